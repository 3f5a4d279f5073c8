using System.Text.RegularExpressions;
using Credentials.Tests.Support;

namespace Credentials.Tests.Hosting;

/// <summary>
/// Keeps the namespace graph of functions/ as docs/architecture.md's "Allowed edges" table draws it: every import of
/// another module is in the importing namespace's row, and the graph has no cycle.
/// </summary>
public sealed partial class NamespaceLayeringTests
{
    private const string Root = "Credentials.Functions";

    private static readonly List<SourceFile> Sources = ReadSources();
    private static readonly Dictionary<string, IReadOnlyList<string>> Allowed = ReadAllowedEdges();

    [Fact]
    public void The_table_and_the_sources_are_there_to_check()
    {
        Assert.True(Sources.Count >= 100, $"found only {Sources.Count} source files under functions/");
        Assert.True(Allowed.Count >= 15, $"found only {Allowed.Count} rows in the Allowed edges table");
    }

    [Fact]
    public void Every_namespace_has_a_row_in_the_table()
    {
        var missing = Sources.Select(source => source.Namespace).Distinct().Where(ns => ns.Length > 0 && !Allowed.ContainsKey(ns)).Order().ToList();
        var stale = Allowed.Keys.Where(ns => Sources.All(source => source.Namespace != ns)).Order().ToList();

        Assert.Empty(missing);
        Assert.Empty(stale);
    }

    [Fact]
    public void Every_import_of_another_module_is_an_allowed_edge()
    {
        var refused = Sources
            .SelectMany(source => source.Imports.Select(import => (source, import)))
            .Where(edge => !IsAllowed(edge.source.Namespace, edge.import))
            .Select(edge => $"{edge.source.Path}: {Name(edge.source.Namespace)} -> {Name(edge.import)}")
            .ToList();

        Assert.True(refused.Count == 0, "Not in docs/architecture.md's Allowed edges:\n" + string.Join("\n", refused));
    }

    [Fact]
    public void The_namespace_graph_has_no_cycle()
    {
        var edges = Sources.SelectMany(source => source.Imports.Select(import => (From: source.Namespace, To: import)))
            .Distinct()
            .ToLookup(edge => edge.From, edge => edge.To);

        Assert.True(FindCycle(edges) is not { } cycle, $"The namespace graph has a cycle: {FindCycle(edges)}");
    }

    [Fact]
    public void The_cycle_check_reports_a_cycle()
    {
        var edges = new[] { (From: "A", To: "B"), (From: "B", To: "C"), (From: "C", To: "A") }.ToLookup(edge => edge.From, edge => edge.To);

        Assert.Equal("A -> B -> C -> A", FindCycle(edges));
    }

    private static bool IsAllowed(string from, string to) =>
        Allowed.TryGetValue(from, out var targets) && targets.Any(target =>
            target == "*" || target == to || (target.EndsWith(".*", StringComparison.Ordinal)
                && (to == target[..^2] || to.StartsWith(target[..^1], StringComparison.Ordinal))));

    /// <summary>A cycle as "A -> B -> A", or null; depth-first, reporting the first back edge.</summary>
    private static string? FindCycle(ILookup<string, string> edges)
    {
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the current path; true: finished
        var path = new List<string>();

        string? Visit(string node)
        {
            if (state.TryGetValue(node, out var finished))
            {
                return finished ? null : string.Join(" -> ", path.Skip(path.IndexOf(node)).Append(node));
            }

            state[node] = false;
            path.Add(node);
            foreach (var next in edges[node].Order(StringComparer.Ordinal))
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = true;
            return null;
        }

        return edges.Select(group => group.Key).Order(StringComparer.Ordinal).Select(Visit).FirstOrDefault(cycle => cycle is not null);
    }

    private static string Name(string ns) => ns.Length == 0 ? Root : ns;

    private static List<SourceFile> ReadSources()
    {
        var functions = Path.Combine(RepositoryPaths.Root, "functions");
        var files = Directory.EnumerateFiles(functions, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(path => (path, text: File.ReadAllText(path)))
            .Select(file => (file.path, file.text, ns: NamespaceLine().Match(file.text) is { Success: true } match ? Relative(match.Groups[1].Value) : null))
            .Where(file => file.ns is not null)
            .ToList();
        var namespaces = files.Select(file => file.ns!).Where(ns => ns.Length > 0).Distinct().OrderByDescending(ns => ns.Length).ToList();

        return files.Select(file => new SourceFile(
                Path.GetRelativePath(RepositoryPaths.Root, file.path), file.ns!, ImportsOf(file.text, file.ns!, namespaces)))
            .ToList();
    }

    /// <summary>
    /// The other module namespaces a file names: its using directives, and qualified names such as
    /// <c>Foundation.Resilience.Backoff</c> (which reach a module without a using).
    /// </summary>
    private static List<string> ImportsOf(string text, string ns, IReadOnlyList<string> namespaces)
    {
        // A static or alias using names a type: it imports the longest namespace its name starts with.
        var usings = UsingLine().Matches(text).Select(match => Relative(match.Groups[1].Value))
            .Select(name => namespaces.FirstOrDefault(candidate => name == candidate || name.StartsWith(candidate + ".", StringComparison.Ordinal)) ?? name);
        var code = UsingOrNamespaceLine().Replace(text, string.Empty);
        // Longest namespaces first, so that Crypto.KeySources.X names Crypto.KeySources and not Crypto.
        var qualified = Regex.Matches(code, $@"(?<![\w.])(?:{Regex.Escape(Root)}\.)?({string.Join('|', namespaces.Select(Regex.Escape))})\.[A-Z]")
            .Select(match => match.Groups[1].Value);

        return usings.Concat(qualified)
            .Where(import => import.Length > 0 && import != ns && !ns.StartsWith(import + ".", StringComparison.Ordinal))
            .Distinct()
            .ToList();
    }

    private static string Relative(string ns) => ns == Root ? string.Empty : ns[(Root.Length + 1)..];

    private static Dictionary<string, IReadOnlyList<string>> ReadAllowedEdges()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "architecture.md"));
        var start = text.IndexOf("### Allowed edges\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/architecture.md has no '### Allowed edges' section");
        var section = text[start..];
        var end = section.IndexOf("\n#", 1, StringComparison.Ordinal);
        var rows = (end < 0 ? section : section[..end]).Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .ToList();

        return rows.ToDictionary(
            cells => cells[1].Trim('`'),
            cells => (IReadOnlyList<string>)Quoted().Matches(cells[2]).Select(match => match.Groups[1].Value).ToList(),
            StringComparer.Ordinal);
    }

    private sealed record SourceFile(string Path, string Namespace, IReadOnlyList<string> Imports);

    [GeneratedRegex(@"^namespace\s+(Credentials\.Functions(?:\.[\w.]+)?)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"^using\s+(?:static\s+)?(?:\w+\s*=\s*)?(Credentials\.Functions(?:\.\w+)*)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"^(?:using|namespace)\s.*$", RegexOptions.Multiline)]
    private static partial Regex UsingOrNamespaceLine();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex Quoted();
}
