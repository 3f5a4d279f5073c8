using Credentials.Functions.Providers;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Refresh;

/// <summary>
/// One refresh-token grant at the provider, within the lease's provider deadline: an unavailable provider is retried
/// with doubling delays (a longer <c>Retry-After</c> wins) while the deadline and the provider's rate-limit budget
/// (<see cref="ProviderRateGovernor"/>) allow; any other answer is final.
/// </summary>
public sealed class ProviderRefresher(
    ProviderCatalog providers,
    ProviderEndpointResolver endpoints,
    ProviderTokenClient tokens,
    ProviderRateGovernor governor,
    IOptions<RefreshOptions> options,
    TimeProvider time)
{
    /// <param name="scopes">A narrower token's scopes (RFC 6749 §6), or null for the grant's own.</param>
    public async Task<Result<TokenGrant, TokenFailure>> RefreshAsync(string providerId, string refreshToken, DateTimeOffset deadline, IReadOnlyList<string>? scopes = null)
    {
        if (providers.Find(providerId) is not { } provider)
        {
            return new TokenFailure(TokenFailureKind.Rejected, "unknown_provider");
        }

        Result<TokenGrant, TokenFailure> response = new TokenFailure(TokenFailureKind.Unavailable, "provider_unavailable");
        for (var attempt = 0; attempt <= options.Value.MaxProviderRetries; attempt++)
        {
            if (attempt > 0)
            {
                var delay = options.Value.ProviderRetryDelay * (1 << (attempt - 1));
                if (response.Failure?.RetryAfter is { } retryAfter)
                {
                    delay = retryAfter > delay ? retryAfter : delay;
                }

                // A retry is one more call the provider counts: it goes only inside the shared rate-limit budget (the
                // first was admitted by the engine).
                if (time.GetUtcNow() + delay >= deadline
                    || await governor.AdmitAsync(providerId, null, deferrable: false, CancellationToken.None) is not null)
                {
                    break;
                }

                await Task.Delay(delay, time);
            }

            using var budget = new CancellationTokenSource(deadline - time.GetUtcNow() is var left && left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), time);
            try
            {
                var resolved = await endpoints.ResolveAsync(provider, budget.Token);
                response = await tokens.RefreshAsync(provider, resolved, refreshToken, scopes, budget.Token);
            }
            catch (ProviderUnavailableException)
            {
                response = new TokenFailure(TokenFailureKind.Unavailable, "provider_unavailable");
            }
            catch (OperationCanceledException) when (budget.IsCancellationRequested)
            {
                return new TokenFailure(TokenFailureKind.Unavailable, "provider_timeout");
            }

            if (response.Failure?.Kind != TokenFailureKind.Unavailable)
            {
                return response;
            }
        }

        return response;
    }
}
