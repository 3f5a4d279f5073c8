using System.Net;

namespace Credentials.Functions.Providers;

/// <summary>What a provider's probe endpoint said about a secret.</summary>
public enum SecretProbeOutcome
{
    /// <summary>2xx, or the provider has no probe configured.</summary>
    Valid,

    /// <summary>401 or 403: the provider no longer accepts the secret.</summary>
    Rejected,

    /// <summary>Anything else (no answer within <see cref="SecretUsage.ProbeTimeout"/>, a refused connection, 5xx, a redirect): nothing is known.</summary>
    Unavailable,
}

/// <summary>
/// Checks an API-key or basic secret with one GET of the provider's <see cref="SecretUsage.ProbeUrl"/>, the secret in
/// its header, through the providers' client (only addresses the outbound rule allows, no redirects). Nothing is logged
/// here; callers log the outcome, never the secret.
/// </summary>
public sealed class SecretProbe(IHttpClientFactory httpClients, TimeProvider time)
{
    public async Task<SecretProbeOutcome> ProbeAsync(ProviderDefinition provider, string credential, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        if (provider.Secret is not { ProbeUrl: { } probeUrl } usage)
        {
            return SecretProbeOutcome.Valid;
        }

        using var deadline = new CancellationTokenSource(usage.ProbeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var message = new HttpRequestMessage(HttpMethod.Get, probeUrl);
        usage.Apply(message, credential);
        try
        {
            using var response = await httpClients.CreateClient(ProviderEndpointResolver.HttpClientName)
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            return response.IsSuccessStatusCode ? SecretProbeOutcome.Valid
                : response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? SecretProbeOutcome.Rejected
                : SecretProbeOutcome.Unavailable;
        }
        catch (HttpRequestException)
        {
            return SecretProbeOutcome.Unavailable;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return SecretProbeOutcome.Unavailable;
        }
    }
}
