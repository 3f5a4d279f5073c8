using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace Credentials.Functions.Connections;

/// <summary>
/// The rules of a connection's metadata: a small map of string tags (an external account's display name, a tenant id)
/// that callers set and filter on. It is stored in plaintext, returned to every <c>credentials:list</c> caller and sent
/// in status events, so it must never hold a secret (docs/storage.md#connection-metadata).
/// </summary>
public static class MetadataTags
{
    public const int MaxKeys = 16;
    public const int MaxKeyLength = 64;
    public const int MaxValueLength = 256;

    /// <summary>UTF-8 bytes of every key and value together.</summary>
    public const int MaxTotalBytes = 4096;

    public static readonly IReadOnlyDictionary<string, string> None = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    public static string Limits =>
        $"At most {MaxKeys} keys of 1-{MaxKeyLength} characters a-z 0-9 _ . -, each value at most {MaxValueLength} characters without control " +
        $"characters, and at most {MaxTotalBytes} bytes (UTF-8) of keys and values together; never a secret.";

    public static bool IsValidKey(string? key) =>
        key is { Length: > 0 and <= MaxKeyLength } && key.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' or '-');

    /// <summary>Why <paramref name="tags"/> breaks the rules (keys and values are not repeated back), or null when it keeps them.</summary>
    public static string? Problem(IReadOnlyDictionary<string, string?> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (tags.Count > MaxKeys)
        {
            return $"{tags.Count} keys; {Limits}";
        }

        var total = 0;
        foreach (var (key, value) in tags)
        {
            if (!IsValidKey(key))
            {
                return $"A key is not 1-{MaxKeyLength} characters of a-z 0-9 _ . -; {Limits}";
            }

            if (value is null || value.Length > MaxValueLength || value.Any(char.IsControl))
            {
                return $"The value of '{key}' is missing, too long or holds control characters; {Limits}";
            }

            total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value);
        }

        return total > MaxTotalBytes ? $"{total} bytes in all; {Limits}" : null;
    }

    /// <summary>The tags, checked and in key order; null with <paramref name="problem"/> set when they break the rules.</summary>
    public static IReadOnlyDictionary<string, string>? Validate(IReadOnlyDictionary<string, string?> tags, out string? problem)
    {
        problem = Problem(tags);
        return problem is null ? tags.ToImmutableSortedDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal) : null;
    }

    /// <summary>An RFC 7396 merge patch of <paramref name="current"/>: a value sets its key, null removes it. Not yet checked.</summary>
    public static IReadOnlyDictionary<string, string?> Merge(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string?> patch)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(patch);
        var merged = current.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                merged.Remove(key);
            }
            else
            {
                merged[key] = value;
            }
        }

        return merged;
    }

    /// <summary>Whether every (key, value) of <paramref name="filter"/> is among <paramref name="tags"/>, exactly.</summary>
    public static bool Matches(IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string> filter)
    {
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(filter);
        return filter.All(f => tags.TryGetValue(f.Key, out var value) && string.Equals(value, f.Value, StringComparison.Ordinal));
    }

    /// <summary>The table column: JSON, or null for no tags.</summary>
    public static string? ToColumn(IReadOnlyDictionary<string, string>? tags) => tags is null or { Count: 0 } ? null : JsonSerializer.Serialize(tags);

    public static IReadOnlyDictionary<string, string> FromColumn(string? column) =>
        column is { Length: > 0 } json
            ? (JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? []).ToImmutableSortedDictionary(StringComparer.Ordinal)
            : None;
}
