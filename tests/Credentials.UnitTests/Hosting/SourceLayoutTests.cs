using Credentials.Tests.Support;

namespace Credentials.Tests.Hosting;

/// <summary>Keeps the code base as docs/architecture.md describes it.</summary>
public sealed class SourceLayoutTests
{
    private const int MaxLines = 250;
    private const string Reason = "// Longer than 250 lines on purpose:";

    private static IEnumerable<string> SourceFiles(params string[] roots) => roots
        .SelectMany(root => Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, root), "*.cs", SearchOption.AllDirectories))
        .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [Fact]
    public void No_file_is_over_250_lines_without_a_reason_at_its_top()
    {
        var unexplained = SourceFiles("functions", "client", "tools", "tests")
            .Where(path => File.ReadLines(path).Count() > MaxLines && !File.ReadLines(path).Take(20).Any(line => line.StartsWith(Reason, StringComparison.Ordinal)))
            .Select(path => Path.GetRelativePath(RepositoryPaths.Root, path))
            .ToList();

        Assert.Empty(unexplained);
    }

    [Fact]
    public void Every_function_class_is_about_thirty_lines()
    {
        var tooLong = SourceFiles(Path.Combine("functions", "Api"))
            .Where(path => path.EndsWith("Function.cs", StringComparison.Ordinal) && File.ReadLines(path).Count() > 40)
            .Select(Path.GetFileName)
            .ToList();

        Assert.Empty(tooLong);
    }

    [Fact]
    public void Source_namespaces_follow_their_folders()
    {
        var functions = Path.Combine(RepositoryPaths.Root, "functions");
        var mismatched = SourceFiles("functions")
            .Where(path => !path.EndsWith("Program.cs", StringComparison.Ordinal))
            .Select(path => (path, expected: "namespace Credentials.Functions" + ToNamespace(Path.GetRelativePath(functions, Path.GetDirectoryName(path)!)) + ";"))
            .Where(file => !File.ReadLines(file.path).Any(line => line == file.expected))
            .Select(file => Path.GetRelativePath(RepositoryPaths.Root, file.path))
            .ToList();

        Assert.Empty(mismatched);
    }

    private static string ToNamespace(string relativeFolder) =>
        relativeFolder == "." ? string.Empty : "." + relativeFolder.Replace(Path.DirectorySeparatorChar, '.');
}
