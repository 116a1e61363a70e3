using XdpAot.Gen;

namespace XdpAot.Tests.Gen;

/// <summary>The NativeMethods.txt syntax.</summary>
public class NamesListTests
{
    [Fact]
    public void Parses_SectionsNamesWildcardsAndComments()
    {
        var list = NamesList.Parse("""
            # leading comment

            [linux/if_xdp.h] IfXdp
            *
            [xdp/xsk.h, linux/if_xdp.h]   Xsk   libxdp.so.1   # trailing comment
            xsk_umem__create
              XSK_*   # indented
            """);
        Assert.Equal(2, list.Sections.Count);
        NamesSection a = list.Sections[0], b = list.Sections[1];
        Assert.Equal(["linux/if_xdp.h"], a.Headers);
        Assert.Equal("IfXdp", a.ClassName);
        Assert.Null(a.Library);
        Assert.True(a.Names.Single().IsAll);
        Assert.Equal(["xdp/xsk.h", "linux/if_xdp.h"], b.Headers);
        Assert.Equal("libxdp.so.1", b.Library);
        Assert.Equal(5, b.Line);
        Assert.Equal(["xsk_umem__create", "XSK_*"], b.Names.Select(n => n.Text));
        Assert.True(b.Names[1].IsPrefix);
        Assert.True(b.Names[1].Matches("XSK_RING_CONS__DEFAULT_NUM_DESCS"));
        Assert.False(b.Names[1].Matches("XDP_COPY"));
        Assert.True(b.Names[0].Matches("xsk_umem__create"));
        Assert.False(b.Names[0].Matches("xsk_umem__create2"));
        Assert.Equal(7, b.Names[1].Line);
    }

    [Fact]
    public void Rejects_NamesBeforeASection_AndMalformedLines()
    {
        var e = Assert.Throws<GeneratorException>(() => NamesList.Parse("EARLY\n[a.h] A\nbad-name\n[no class]\n", "list.txt"));
        Assert.Equal(3, e.Errors.Count);
        Assert.Contains("list.txt(1)", e.Errors[0]);
        Assert.Contains("before the first", e.Errors[0]);
        Assert.Contains("list.txt(3)", e.Errors[1]);
        Assert.Contains("list.txt(4)", e.Errors[2]);
    }
}
