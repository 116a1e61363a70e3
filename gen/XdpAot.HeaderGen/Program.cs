using XdpAot.HeaderGen;

// usage: XdpAot.HeaderGen <assembly.dll> <assembly.xml> <output.h>
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: XdpAot.HeaderGen <assembly.dll> <assembly.xml> <output.h>");
    return 2;
}
try
{
    var model = AbiReader.Read(args[0], DocComments.Load(args[1]));
    string text = HeaderWriter.Write(model);
    bool changed = OutputFile.WriteIfChanged(args[2], text);
    Console.WriteLine($"XdpAot.HeaderGen: {args[2]} ({model.Functions.Count} functions, {model.Structs.Count} structs{(changed ? "" : ", unchanged")})");
    return 0;
}
catch (HeaderGenException e)
{
    // MSBuild shows "error XHG0001: …" lines as build errors.
    Console.Error.WriteLine($"{e.Source}: error XHG0001: {e.Message}");
    return 1;
}
