using System.Net.Sockets;
using System.Text;
using XdpAot.Cli.Interop;

namespace XdpAot.Tests.Packaging;

/// <summary>
/// The readiness helper the vhost command uses (src/XdpAot.Cli/Interop/SystemdNotify.cs, compiled into this
/// assembly too): messages arrive on a datagram socket of the test's own, as systemd's would receive them, at a
/// path or an abstract name; without NOTIFY_SOCKET, or with one that cannot be reached, nothing throws.
/// </summary>
[Collection(NotifySocketCollection.Name)]
public sealed class SystemdNotifyTests
{
    [Fact]
    public void Ready_and_status_arrive_on_the_path_NOTIFY_SOCKET_names()
    {
        using var listener = Listener.AtPath();
        using (Variable(listener.Address))
            Assert.True(SystemdNotify.Ready("listening on /run/xdpaot/vm1/vhost.sock"));
        Assert.Equal("READY=1\nSTATUS=listening on /run/xdpaot/vm1/vhost.sock", listener.Receive());
    }

    [Fact]
    public void Status_and_stopping_arrive_as_one_datagram_each()
    {
        using var listener = Listener.AtPath();
        using (Variable(listener.Address))
        {
            Assert.True(SystemdNotify.Ready());
            Assert.True(SystemdNotify.Status("1 queue pair, guest connected"));
            Assert.True(SystemdNotify.Stopping());
        }
        Assert.Equal("READY=1", listener.Receive());
        Assert.Equal("STATUS=1 queue pair, guest connected", listener.Receive());
        Assert.Equal("STOPPING=1", listener.Receive());
    }

    [Fact]
    public void An_abstract_name_is_reached_through_its_leading_at_sign()
    {
        using var listener = Listener.Abstract();
        using (Variable(listener.Address))
            Assert.True(SystemdNotify.Ready());
        Assert.Equal("READY=1", listener.Receive());
    }

    [Fact]
    public void Without_NOTIFY_SOCKET_nothing_is_sent_and_nothing_throws()
    {
        using (Variable(null))
        {
            Assert.False(SystemdNotify.Ready());
            Assert.False(SystemdNotify.Status("x"));
            Assert.False(SystemdNotify.Stopping());
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("relative/path")]
    [InlineData("@")]
    [InlineData("vsock:2:1234")]
    [InlineData("/nonexistent/xdpaot/notify.sock")]
    public void An_address_that_cannot_be_used_returns_false_and_does_not_throw(string address)
    {
        Assert.False(SystemdNotify.Send(address, "READY=1"));
    }

    [Fact]
    public void A_path_longer_than_sun_path_returns_false_and_does_not_throw()
    {
        Assert.False(SystemdNotify.Send("/" + new string('x', 108), "READY=1"));
        Assert.False(SystemdNotify.Send("@" + new string('x', 108), "READY=1"));
    }

    /// <summary>Sets NOTIFY_SOCKET (or removes it) until disposed, then puts back what was there.</summary>
    private static Restore Variable(string? value)
    {
        var before = Environment.GetEnvironmentVariable(SystemdNotify.Variable);
        Environment.SetEnvironmentVariable(SystemdNotify.Variable, value);
        return new Restore(before);
    }

    private sealed class Restore(string? before) : IDisposable
    {
        public void Dispose() => Environment.SetEnvironmentVariable(SystemdNotify.Variable, before);
    }

    /// <summary>A datagram socket standing in for systemd's notification socket.</summary>
    private sealed class Listener : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        private readonly string? _dir;

        private Listener(string address, string endpoint, string? dir)
        {
            Address = address;
            _dir = dir;
            try
            {
                _socket.Bind(new UnixDomainSocketEndPoint(endpoint));
                _socket.ReceiveTimeout = 5000;
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>What NOTIFY_SOCKET holds for this socket.</summary>
        public string Address { get; }

        public static Listener AtPath()
        {
            string dir = Directory.CreateTempSubdirectory("xdpaot-notify-").FullName;
            string path = Path.Combine(dir, "notify.sock");
            return new Listener(path, path, dir);
        }

        public static Listener Abstract()
        {
            string name = $"xdpaot-notify-{Environment.ProcessId}-{Guid.NewGuid():N}";
            return new Listener("@" + name, "\0" + name, null);
        }

        public string Receive()
        {
            var buffer = new byte[4096];
            int n = _socket.Receive(buffer);
            return Encoding.UTF8.GetString(buffer, 0, n);
        }

        public void Dispose()
        {
            _socket.Dispose();
            if (_dir is not null && Directory.Exists(_dir))
                Directory.Delete(_dir, recursive: true);
        }
    }
}

/// <summary>NOTIFY_SOCKET is process-wide: the tests that set it run alone, so no other test's child inherits it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotifySocketCollection
{
    public const string Name = "NOTIFY_SOCKET";
}
