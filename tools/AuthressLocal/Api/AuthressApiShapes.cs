using System.Text.Json;
using System.Text.Json.Serialization;

namespace Credentials.AuthressLocal.Api;

// Authress's published API shapes (components/schemas of its OpenAPI description, v1), written from that description and
// not from the service's own types, so that the local endpoint disagrees with the service wherever the service would
// disagree with Authress. Only the fields the routes below use; read-only fields are filled in by the endpoint.

/// <summary>The JSON settings of the API: camelCase names, absent values left out.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };
}

/// <summary><c>PermissionObject</c>: all four fields are required.</summary>
public sealed record PermissionObject(string Action, bool Allow, bool Grant, bool Delegate);

/// <summary><c>Role</c>: <c>roleId</c>, <c>name</c> and <c>permissions</c> required.</summary>
public sealed record Role(string RoleId, string Name, string? Description, IReadOnlyList<PermissionObject> Permissions);

/// <summary><c>User</c> (a user or a service client, by id).</summary>
public sealed record User(string UserId);

/// <summary><c>LinkedGroup</c>.</summary>
public sealed record LinkedGroup(string GroupId);

/// <summary><c>Resource</c>: a resource URI, which may end with <c>*</c>.</summary>
public sealed record Resource(string ResourceUri);

/// <summary><c>Statement</c>: roles on resources, for the record's users and the statement's own.</summary>
public sealed record Statement(IReadOnlyList<string> Roles, IReadOnlyList<Resource> Resources, IReadOnlyList<User>? Users = null, IReadOnlyList<LinkedGroup>? Groups = null);

/// <summary><c>AccountLink</c>.</summary>
public sealed record AccountLink(string AccountId);

/// <summary><c>Link</c> and <c>Links</c>.</summary>
public sealed record Link(string Href, string? Rel = null);

public sealed record Links(Link Self);

/// <summary>
/// <c>AccessRecord</c>: <c>name</c> and <c>statements</c> are written; <c>status</c>, <c>account</c>, <c>links</c> and
/// <c>lastUpdated</c> are read-only and set by Authress.
/// </summary>
public sealed record AccessRecord(
    string? RecordId,
    string Name,
    string? Description,
    IReadOnlyList<User>? Users,
    IReadOnlyList<LinkedGroup>? Groups,
    IReadOnlyList<Statement> Statements,
    string? Status = null,
    AccountLink? Account = null,
    Links? Links = null,
    DateTimeOffset? LastUpdated = null);

/// <summary><c>PermissionCollection</c>: what <c>getUserPermissionsForResource</c> answers.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The API description names it so.")]
public sealed record PermissionCollection(AccountLink Account, string UserId, IReadOnlyList<PermissionObject> Permissions);

/// <summary>A JSON web key of a service client's access key or of the account: Ed25519 (<c>OKP</c>), <c>EdDSA</c>.</summary>
public sealed record JsonWebKey(string Kid, string X, string Kty = "OKP", string Crv = "Ed25519", string Alg = "EdDSA", string Use = "sig");

public sealed record JsonWebKeySet(IReadOnlyList<JsonWebKey> Keys);

/// <summary>The OpenID discovery document an issuer (the account, or a service client) publishes.</summary>
public sealed record OpenIdConfiguration(
    [property: JsonPropertyName("issuer")] string Issuer,
    [property: JsonPropertyName("jwks_uri")] string JwksUri,
    [property: JsonPropertyName("id_token_signing_alg_values_supported")] IReadOnlyList<string> IdTokenSigningAlgValuesSupported);

/// <summary>The files of <c>infra/authress</c>: roles and access records in the API's shapes, either list optional.</summary>
public sealed record AuthorizationDocument(IReadOnlyList<Role>? Roles, IReadOnlyList<AccessRecord>? Records);
