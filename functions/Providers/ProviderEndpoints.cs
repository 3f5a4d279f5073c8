namespace Credentials.Functions.Providers;

/// <summary>Where to send a provider's requests, and whether its authorization responses must carry <c>iss</c>.</summary>
public sealed record ProviderEndpoints(
    Uri AuthorizationEndpoint,
    Uri TokenEndpoint,
    Uri? RevocationEndpoint,
    Uri? Issuer,
    bool RequireIssuerParameter)
{
    /// <summary>RFC 9207 comparison: the <c>iss</c> parameter must be the issuer identifier, compared as a simple string.</summary>
    public bool IsIssuer(string candidate) =>
        Issuer is not null && string.Equals(Trim(Issuer.OriginalString), Trim(candidate), StringComparison.Ordinal);

    private static string Trim(string value) => value.TrimEnd('/');
}
