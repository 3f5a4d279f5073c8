using System.Text.Json;

namespace Credentials.WorkerHost;

/// <summary>
/// The app settings the worker runs with, as environment variable names and values: <c>local.settings.json</c>
/// <c>Values</c> as written there (Core Tools sets them verbatim), then the given settings with <c>:</c> spelled <c>__</c>.
/// A null value means the setting is removed, also from the environment the worker would inherit.
/// </summary>
internal static class AppSettings
{
    public static IReadOnlyDictionary<string, string?> Combine(string? localSettingsPath, IReadOnlyDictionary<string, string?> overrides)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (localSettingsPath is not null && File.Exists(localSettingsPath))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(localSettingsPath),
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.TryGetProperty("Values", out var section) && section.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in section.EnumerateObject())
                {
                    values[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                }
            }
        }

        // Environment variables of the host's own process win over local.settings.json, as under Core Tools.
        foreach (var name in values.Keys.ToList())
        {
            if (Environment.GetEnvironmentVariable(name) is { } fromEnvironment)
            {
                values[name] = fromEnvironment;
            }
        }

        foreach (var (key, value) in overrides)
        {
            values[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return values;
    }
}
