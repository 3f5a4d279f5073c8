namespace Credentials.Functions.Foundation;

/// <summary>
/// What a connection holds: an OAuth grant the service refreshes, or a secret the user hands over that the service only
/// stores and injects (docs/providers.md, API-key and basic credentials). A provider's preset decides it; the record keeps it.
/// </summary>
public enum CredentialKind
{
    /// <summary>A refresh token from the OAuth connect flow.</summary>
    OAuth,

    /// <summary>An API key or personal token, sent in a header the provider's settings describe.</summary>
    ApiKey,

    /// <summary>A user name and password, sent as HTTP basic authentication (RFC 7617).</summary>
    Basic,
}

/// <summary>The stored and shown names of <see cref="CredentialKind"/>.</summary>
public static class CredentialKindNames
{
    public static string ToName(this CredentialKind kind) => kind switch
    {
        CredentialKind.OAuth => "oauth",
        CredentialKind.ApiKey => "api_key",
        CredentialKind.Basic => "basic",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>A stored name; a row written before kinds existed has none and is OAuth.</summary>
    public static CredentialKind Parse(string? name) => name switch
    {
        null or "oauth" => CredentialKind.OAuth,
        "api_key" => CredentialKind.ApiKey,
        "basic" => CredentialKind.Basic,
        _ => throw new FormatException($"Unknown credential kind '{name}'."),
    };
}
