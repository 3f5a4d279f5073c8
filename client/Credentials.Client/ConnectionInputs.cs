namespace Credentials.Client;

/// <summary>
/// An API key or basic credentials to store for a connection of an <c>api_key</c> or <c>basic</c> provider. Sent once,
/// never returned by the service; <see cref="ToString"/> never shows it.
/// </summary>
public sealed class ConnectionSecret
{
    private ConnectionSecret(string provider, string? secret, string? username, string? password)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        Provider = provider;
        Secret = secret;
        Username = username;
        Password = password;
    }

    /// <summary>The configured provider (of the <c>api_key</c> or <c>basic</c> preset) the secret is for.</summary>
    public string Provider { get; }

    internal string? Secret { get; }

    internal string? Username { get; }

    internal string? Password { get; }

    /// <summary>An API key for a provider of the <c>api_key</c> preset.</summary>
    public static ConnectionSecret ApiKey(string provider, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return new ConnectionSecret(provider, key, null, null);
    }

    /// <summary>A user name and password for a provider of the <c>basic</c> preset.</summary>
    public static ConnectionSecret Basic(string provider, string username, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(password);
        return new ConnectionSecret(provider, null, username, password);
    }

    /// <summary>The provider and kind, never the secret.</summary>
    public override string ToString() => $"ConnectionSecret {{ Provider = {Provider}, Kind = {(Secret is null ? "basic" : "api_key")} }}";
}

/// <summary>
/// A grant another system holds, to import (<c>credentials:import</c>): its refresh token is sent once, proved by one
/// refresh at the provider and never returned; <see cref="ToString"/> never shows it.
/// </summary>
/// <param name="Provider">The configured provider id the grant was issued by.</param>
/// <param name="RefreshToken">The grant's refresh token as the old system holds it. Stop the old system's refreshes first: a rotating provider retires it.</param>
public sealed record GrantImport(string Provider, string RefreshToken)
{
    /// <summary>The grant's scopes, stored when the provider's refresh answer names none; default: the provider's configured scopes.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>Replace a connection that is in use (otherwise that is <see cref="ConnectionCallStatus.Conflict"/>, <c>connection_in_use</c>).</summary>
    public bool Replace { get; init; }

    /// <summary>The provider and options, never the token.</summary>
    public override string ToString() => $"GrantImport {{ Provider = {Provider}, Replace = {Replace} }}";
}
