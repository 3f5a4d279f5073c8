using System.Text.Json;

namespace Credentials.DevHost;

/// <summary>
/// Reads <c>local.settings.json</c> the way the Functions host does: its <c>Values</c> become settings, with <c>__</c>
/// meaning a configuration section (as in Azure app settings). Environment variables, added after, win.
/// </summary>
internal static class LocalSettingsConfiguration
{
    public static IReadOnlyDictionary<string, string?> Read(string path)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(path))
        {
            return values;
        }

        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("Values", out var section) || section.ValueKind != JsonValueKind.Object)
        {
            return values;
        }

        foreach (var property in section.EnumerateObject())
        {
            var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            values[property.Name.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        return values;
    }
}
