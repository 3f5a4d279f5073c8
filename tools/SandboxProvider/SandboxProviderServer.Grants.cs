using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Credentials.SandboxProvider;

/// <summary>Grants issued outside the app (an older system's), and what happens to a refresh token after it was used.</summary>
public sealed partial class SandboxProviderServer
{
    private int _reusedRefreshTokens;

    /// <summary>
    /// Refresh grants that presented a refresh token already redeemed by an earlier refresh: what reuse detection acts on
    /// (without a grace period it revokes the whole grant).
    /// </summary>
    public int ReusedRefreshTokens => Volatile.Read(ref _reusedRefreshTokens);

    /// <summary>The stored status of <paramref name="refreshToken"/> (<c>valid</c>, <c>redeemed</c>, <c>revoked</c>), or null when it was never issued; presents nothing.</summary>
    public async Task<string?> RefreshTokenStatusAsync(string refreshToken)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        return await tokens.FindByReferenceIdAsync(refreshToken) is { } token ? await tokens.GetStatusAsync(token) : null;
    }

    /// <summary>
    /// A grant for <paramref name="subject"/> issued to the registered client, as another system that connected the
    /// user before the app existed would hold it: its refresh token.
    /// </summary>
    public async Task<string> IssueRefreshTokenAsync(string subject, params string[] scopes)
    {
        using var http = SandboxGrants.CreateClient();
        return await SandboxGrants.IssueRefreshTokenAsync(http, BaseAddress, Options.ClientId, Options.ClientSecret, Options.RedirectUris[0], subject,
            scopes.Length == 0 ? [Scopes.OfflineAccess] : scopes, CancellationToken.None);
    }

    private async Task CountReuseAsync(HttpContext context, string refreshToken)
    {
        if (refreshToken.Length == 0)
        {
            return;
        }

        var tokens = context.RequestServices.GetRequiredService<IOpenIddictTokenManager>();
        if (await tokens.FindByReferenceIdAsync(refreshToken) is { } token && await tokens.GetStatusAsync(token) == Statuses.Redeemed)
        {
            Interlocked.Increment(ref _reusedRefreshTokens);
        }
    }
}
