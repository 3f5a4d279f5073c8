using System.Text.Json;
using System.Text.Json.Serialization;

namespace Credentials.AuthorizationSetup;

/// <summary>
/// Roles and access records in Authress's own API shapes (../shared/reference/authress-api.md): one file of
/// infra/authress (roles.json, environments/&lt;name&gt;.json, examples/&lt;name&gt;.json) or several merged by
/// <see cref="AuthorizationSources"/>. Applied to an Authress account by this tool and loaded by the local Authress
/// endpoint, so local runs and the cloud grant alike. Either list may be left out of a file.
/// </summary>
public sealed record AuthorizationFile(
    [property: JsonPropertyName("roles")] IReadOnlyList<AuthressRole> Roles,
    [property: JsonPropertyName("records")] IReadOnlyList<AuthressAccessRecord> Records)
{
    public static readonly JsonSerializerOptions Format = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static AuthorizationFile Load(string path)
    {
        var file = JsonSerializer.Deserialize<AuthorizationFile>(File.ReadAllText(path), Format) ?? throw new InvalidDataException($"{path} holds no roles or records.");
        return new AuthorizationFile(file.Roles ?? [], file.Records ?? []);
    }
}

public sealed record AuthressRole(string RoleId, string Name, string? Description, IReadOnlyList<AuthressPermissionGrant> Permissions);

public sealed record AuthressPermissionGrant(string Action, bool Allow, bool Grant, bool Delegate);

public sealed record AuthressAccessRecord(string RecordId, string Name, string? Description, IReadOnlyList<AuthressUser> Users, IReadOnlyList<AuthressStatement> Statements);

public sealed record AuthressUser(string UserId);

public sealed record AuthressStatement(IReadOnlyList<string> Roles, IReadOnlyList<AuthressResource> Resources);

public sealed record AuthressResource(string ResourceUri);
