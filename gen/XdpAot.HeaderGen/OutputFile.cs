namespace XdpAot.HeaderGen;

internal static class OutputFile
{
    /// <summary>
    /// Writes <paramref name="text"/> only when it differs from what is there (so nothing that includes the header
    /// rebuilds for nothing), but always touches the file (so MSBuild's Inputs/Outputs check sees it up to date).
    /// </summary>
    public static bool WriteIfChanged(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        bool changed = !File.Exists(path) || File.ReadAllText(path) != text;
        if (changed)
            File.WriteAllText(path, text);
        else
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        return changed;
    }
}
