using Credentials.Functions.Connections;

namespace Credentials.Functions.Refresh;

/// <summary>When a stored access token is good enough to hand out, and when a refresh is due.</summary>
internal static class TokenFreshness
{
    /// <summary>
    /// The token must stay valid for <paramref name="minValidity"/>, capped at half the provider's own token lifetime:
    /// a caller asking for more than the provider ever gives would otherwise cause a refresh on every call.
    /// </summary>
    public static bool Satisfies(ConnectionRecord record, TimeSpan minValidity, DateTimeOffset now)
    {
        if (record.AccessTokenEnvelope is null || record.AccessTokenExpiresAt is not { } expiresAt || expiresAt <= now)
        {
            return false;
        }

        var required = minValidity;
        if (record.LastRefreshSucceededAt is { } issuedAt && expiresAt > issuedAt)
        {
            var halfLifetime = (expiresAt - issuedAt) / 2;
            required = halfLifetime < required ? halfLifetime : required;
        }

        return expiresAt - now >= required;
    }
}
