namespace XdpAot.Tests.Vhost.FrontEnd;

/// <summary>One used-ring entry: the head of the completed chain and the bytes the device wrote into it.</summary>
public readonly record struct UsedElement(uint Id, uint Length);
