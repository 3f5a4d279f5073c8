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

    /// <summary>
    /// The grants of authorization files (infra/authress/roles.json and, for local runs, examples/sample-callers.json), as
    /// an Authress account would hold them.
    /// </summary>
    public static Grants Load(params string[] paths)
    {
        var grants = new Grants();
        foreach (var path in paths)
        {
            var file = JsonSerializer.Deserialize<Api.AuthorizationDocument>(File.ReadAllText(path), Api.ApiJson.Options)
                ?? throw new InvalidDataException($"{path} holds no roles or records.");
            foreach (var role in file.Roles ?? [])
            {
                grants.Put(role);
            }

            foreach (var record in file.Records ?? [])
            {
                grants.Put(record);
            }
        }

        return grants;
    }

    /// <summary>Creates or replaces a role, as <c>POST/PUT /v1/roles</c> does.</summary>
    public void Put(Api.Role role)
    {
        ArgumentNullException.ThrowIfNull(role);
        lock (AccessRecords)
        {
            Roles[role.RoleId] = role.Permissions.Where(p => p.Allow).Select(p => p.Action).ToList();
        }
    }

    /// <summary>Creates or replaces an access record by its id, as <c>POST/PUT /v1/records</c> does.</summary>
    public void Put(Api.AccessRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (AccessRecords)
        {
            AccessRecords.RemoveAll(r => r.RecordId == record.RecordId);
            // One grant per statement: a statement's roles apply to its own resources only, for the record's users and its own.
            AccessRecords.AddRange(record.Statements.Select(statement => new AccessRecord
            {
                RecordId = record.RecordId,
                Users = [.. (record.Users ?? []).Concat(statement.Users ?? []).Select(u => u.UserId).Distinct(StringComparer.Ordinal)],
                Roles = [.. statement.Roles],
                Resources = statement.Resources.Select(r => r.ResourceUri).ToList(),
            }));
        }
    }

    public bool Allows(string userId, string resourceUri, string permission)
    {
        lock (AccessRecords)
        {
            return AllowsUnlocked(userId, resourceUri, permission);
        }
    }

    /// <summary>The actions granted to the user on the resource (through a grant on it or on a parent), for getUserPermissionsForResource.</summary>
    public IReadOnlyList<string> ActionsOn(string userId, string resourceUri)
    {
        lock (AccessRecords)
        {
            return [.. AccessRecords
                .Where(record => record.Users.Contains(userId, StringComparer.Ordinal) && record.Resources.Any(pattern => ResourceMatches(pattern, resourceUri)))
                .SelectMany(record => record.Roles.SelectMany(role => Roles.GetValueOrDefault(role) ?? []))
                .Distinct(StringComparer.Ordinal)];
        }
    }

    private bool AllowsUnlocked(string userId, string resourceUri, string permission) =>
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
    public string? RecordId { get; init; }

    public List<string> Users { get; init; } = [];

    public List<string> Roles { get; init; } = [];

    public List<string> Resources { get; init; } = [];
}
