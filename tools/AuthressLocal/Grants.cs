using System.Text.Json;

namespace Credentials.AuthressLocal;

/// <summary>
/// Authress-style grants: roles hold permissions; access records give users (or service clients) roles on resource
/// URIs. A grant cascades to every sub-resource; <c>*</c> matches any one path segment or, as a permission, anything.
/// </summary>
public sealed class Grants
{
    public Dictionary<string, List<string>> Roles { get; init; } = new(StringComparer.Ordinal);

    public List<AccessRecord> AccessRecords { get; init; } = [];

    private static readonly JsonSerializerOptions FileFormat = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };

    public static Grants Load(string path) =>
        JsonSerializer.Deserialize<Grants>(File.ReadAllText(path), FileFormat) ?? throw new InvalidDataException($"{path} holds no grants.");

    public bool Allows(string userId, string resourceUri, string permission) =>
        AccessRecords.Any(record =>
            record.Users.Contains(userId, StringComparer.Ordinal)
            && record.Resources.Any(pattern => ResourceMatches(pattern, resourceUri))
            && record.Roles.SelectMany(role => Roles.GetValueOrDefault(role) ?? []).Any(action => ActionMatches(action, permission)));

    public static bool ResourceMatches(string pattern, string resourceUri)
    {
        var wanted = pattern.Trim('/').Split('/');
        var actual = resourceUri.Trim('/').Split('/');
        if (wanted.Length > actual.Length)
        {
            return false;
        }

        for (var i = 0; i < wanted.Length; i++)
        {
            if (wanted[i] != "*" && !string.Equals(wanted[i], actual[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public static bool ActionMatches(string granted, string requested) =>
        granted == "*"
        || string.Equals(granted, requested, StringComparison.Ordinal)
        || requested.StartsWith(granted + ":", StringComparison.Ordinal)
        || (granted.EndsWith(":*", StringComparison.Ordinal) && requested.StartsWith(granted[..^1], StringComparison.Ordinal));
}

public sealed class AccessRecord
{
    public List<string> Users { get; init; } = [];

    public List<string> Roles { get; init; } = [];

    public List<string> Resources { get; init; } = [];
}
