using System.Reflection;
using Credentials.Functions.Api;
using Credentials.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Credentials.Tests.Hosting;

/// <summary>docs/log-events.md is the one list of log events: every template in the app is there, once, in its module's range.</summary>
public sealed class LogEventTests
{
    private static readonly List<LogTemplate> Templates = typeof(HealthFunction).Assembly.GetTypes()
        .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Select(method => (type, attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(found => found.attribute is not null)
            .Select(found => new LogTemplate(found.attribute!.EventId, found.attribute.Level, ModuleOf(found.type), found.type.Name)))
        .ToList();

    [Fact]
    public void The_app_has_log_templates_to_check()
    {
        Assert.True(Templates.Count >= 40, $"found only {Templates.Count} [LoggerMessage] methods");
    }

    [Fact]
    public void Every_event_id_is_used_once()
    {
        var repeated = Templates.GroupBy(t => t.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(t => t.Source))}").ToList();

        Assert.Empty(repeated);
    }

    [Fact]
    public void Every_event_id_lies_in_its_modules_range()
    {
        var ranges = DocumentTable("Ranges").ToDictionary(row => row[0], row => (First: int.Parse(row[1]), Last: int.Parse(row[2])));

        var outside = Templates
            .Where(t => !ranges.TryGetValue(t.Module, out var range) || t.EventId < range.First || t.EventId > range.Last)
            .Select(t => $"{t.EventId} in {t.Source} ({t.Module})").ToList();

        Assert.Empty(outside);
    }

    [Fact]
    public void The_document_lists_every_event_with_its_level_and_nothing_else()
    {
        var documented = DocumentTable("Events").Select(row => $"{row[0]} {row[1]} {row[2]} {row[3].Trim('`')}").Order().ToList();
        var actual = Templates.Select(t => $"{t.EventId} {t.Level} {t.Module} {t.Source}").Order().ToList();

        Assert.Equal(actual, documented);
    }

    private static string ModuleOf(Type type) => type.Namespace!.Split('.')[2];

    private static IEnumerable<string[]> DocumentTable(string heading)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "log-events.md"));
        var section = text[(text.IndexOf($"## {heading}\n", StringComparison.Ordinal) + heading.Length + 4)..];
        var end = section.IndexOf("\n## ", StringComparison.Ordinal);
        section = end < 0 ? section : section[..end];
        return section.Split('\n')
            .SkipWhile(line => !line.StartsWith("|--", StringComparison.Ordinal))
            .Skip(1)
            .TakeWhile(line => line.StartsWith('|'))
            .Select(line => line.Trim('|').Split('|').Select(cell => cell.Trim()).ToArray());
    }

    private sealed record LogTemplate(int EventId, LogLevel Level, string Module, string Source);
}
