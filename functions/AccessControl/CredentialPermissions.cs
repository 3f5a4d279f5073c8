namespace Credentials.Functions.AccessControl;

/// <summary>The permissions callers are checked for in Authress (docs/authorization.md).</summary>
internal static class CredentialPermissions
{
    /// <summary>Get an access token for a connection.</summary>
    public const string Read = "credentials:read";

    /// <summary>
    /// Call the provider's API as the user through the proxy, without ever holding the token: separate from
    /// <see cref="Read"/>, so a team can act for a user without seeing the token.
    /// </summary>
    public const string Proxy = "credentials:proxy";

    /// <summary>Proxy reading calls only (<c>GET</c>, <c>HEAD</c>); <see cref="Proxy"/> still allows them too.</summary>
    public const string ProxyRead = "credentials:proxy.read";

    /// <summary>Proxy every other method (writes, deletes, any method that is not a read); <see cref="Proxy"/> still allows them too.</summary>
    public const string ProxyWrite = "credentials:proxy.write";

    /// <summary>The method class a proxied request is checked for: <see cref="ProxyRead"/> for GET and HEAD, <see cref="ProxyWrite"/> otherwise.</summary>
    public static string ProxyFor(string method) =>
        string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase) || string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase)
            ? ProxyRead
            : ProxyWrite;

    /// <summary>True for a method-class proxy permission, which <see cref="Proxy"/> (both classes, kept for existing grants) also satisfies.</summary>
    public static bool IsProxyClass(string permission) => permission is ProxyRead or ProxyWrite;

    /// <summary>
    /// Get a narrower token of a resource beyond the connection's grant (a multi-resource provider's
    /// <c>NarrowableResources</c>), checked on <c>…/connections/{connectionId}/resources/{name}</c> besides
    /// <see cref="Read"/> on the connection. Not included in <see cref="Read"/>, so that a reader of one resource's
    /// connection cannot mint tokens of another.
    /// </summary>
    public const string ResourceRead = "credentials:resource.read";

    /// <summary>Start (or redo) a connection.</summary>
    public const string Create = "credentials:create";

    /// <summary>Read connection metadata (never tokens).</summary>
    public const string List = "credentials:list";

    /// <summary>Disconnect one connection or purge all of a user's.</summary>
    public const string Delete = "credentials:delete";

    /// <summary>
    /// Hand over a grant another system already holds (an import). An administrator's permission only: never self-service,
    /// and not part of <see cref="Create"/>, because the caller supplies the refresh token instead of the user consenting.
    /// </summary>
    public const string Import = "credentials:import";

    /// <summary>
    /// Complete a pending connection. Not an Authress permission: only the user the connection is for holds it, signed in
    /// as themselves, so that whoever consented at the provider can only link their account to themselves.
    /// </summary>
    public const string CompleteOwn = "credentials:complete-own";

    /// <summary>What a user may do to their own connections without an Authress grant (self-service): never read tokens.</summary>
    public static bool IsSelfServicePermission(string permission) => permission is Create or List or Delete;
}

/// <summary>One requested access: a permission on a user's credentials, on one connection of theirs, or on one provider API of a connection.</summary>
public sealed record CredentialAccess(string Permission, string UserId, string? ConnectionId)
{
    public const string UsersRoot = "/user-credentials/refresh-tokens/users";

    /// <summary>
    /// The proxy's target API (its configured name, which fits an Authress segment), so a grant can be limited to one
    /// API of a connection; a grant on the connection or above still covers it, as Authress grants cascade.
    /// </summary>
    public string? Api { get; init; }

    /// <summary>A resource beyond the connection's grant, by its <c>NarrowableResources</c> name (an id-rule segment).</summary>
    public string? NarrowedResource { get; init; }

    /// <summary>
    /// <c>/user-credentials/refresh-tokens/users/{userId}</c>, plus <c>/connections/{connectionId}</c> for one connection,
    /// plus <c>/apis/{api}</c> for one of its provider APIs or <c>/resources/{name}</c> for one of its narrowable resources.
    /// </summary>
    public string ResourceUri => ConnectionId is null ? $"{UsersRoot}/{UserId}"
        : Api is not null ? $"{UsersRoot}/{UserId}/connections/{ConnectionId}/apis/{Api}"
        : NarrowedResource is not null ? $"{UsersRoot}/{UserId}/connections/{ConnectionId}/resources/{NarrowedResource}"
        : $"{UsersRoot}/{UserId}/connections/{ConnectionId}";
}
