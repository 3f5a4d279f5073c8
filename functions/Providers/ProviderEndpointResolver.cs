using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Credentials.Functions.Providers;

/// <summary>
/// Endpoints of a provider: straight from its definition, or for OIDC providers from the issuer's discovery document
/// (read once, kept for a day). The document must name the configured issuer (OIDC Discovery §4.3), which also defends
/// against mix-up; when it advertises RFC 9207 the <c>iss</c> response parameter becomes mandatory.
/// </summary>
public sealed class ProviderEndpointResolver(IHttpClientFactory httpClients, TimeProvider time)
{
    public const string HttpClientName = "oauth-providers";
    private static readonly TimeSpan DocumentLifetime = TimeSpan.FromHours(24);
    private readonly ConcurrentDictionary<string, Lazy<Task<(ProviderEndpoints Endpoints, DateTimeOffset ReadAt)>>> _discovered = new(StringComparer.Ordinal);

    public async Task<ProviderEndpoints> ResolveAsync(ProviderDefinition provider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        if (!provider.UsesDiscovery)
        {
            return new ProviderEndpoints(provider.AuthorizationEndpoint!, provider.TokenEndpoint!, provider.RevocationEndpoint, provider.Issuer,
                provider.RequireIssuerParameter);
        }

        while (true)
        {
            var lazy = _discovered.GetOrAdd(provider.Id, _ => new(() => DiscoverAsync(provider)));
            try
            {
                var (endpoints, readAt) = await lazy.Value.WaitAsync(cancellationToken);
                if (time.GetUtcNow() - readAt < DocumentLifetime)
                {
                    return endpoints;
                }
            }
            catch (Exception) when (lazy.Value.IsFaulted)
            {
                _discovered.TryRemove(new(provider.Id, lazy));
                throw;
            }

            _discovered.TryRemove(new(provider.Id, lazy));
        }
    }

    private async Task<(ProviderEndpoints, DateTimeOffset)> DiscoverAsync(ProviderDefinition provider)
    {
        var issuer = provider.Issuer!;
        var address = new Uri(issuer.OriginalString.TrimEnd('/') + "/.well-known/openid-configuration");
        DiscoveryDocument? document;
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            document = await httpClients.CreateClient(HttpClientName).GetFromJsonAsync<DiscoveryDocument>(address, cancel.Token);
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or OperationCanceledException)
        {
            throw new ProviderUnavailableException($"The discovery document of provider '{provider.Id}' could not be read.", exception);
        }

        if (document?.Issuer is null || !string.Equals(document.Issuer.TrimEnd('/'), issuer.OriginalString.TrimEnd('/'), StringComparison.Ordinal))
        {
            throw new ProviderUnavailableException($"The discovery document of provider '{provider.Id}' names a different issuer than configured.");
        }

        var authorization = provider.AuthorizationEndpoint ?? AsEndpoint(document.AuthorizationEndpoint);
        var token = provider.TokenEndpoint ?? AsEndpoint(document.TokenEndpoint);
        if (authorization is null || token is null)
        {
            throw new ProviderUnavailableException($"The discovery document of provider '{provider.Id}' lacks a usable authorization or token endpoint.");
        }

        var endpoints = new ProviderEndpoints(authorization, token, provider.RevocationEndpoint ?? AsEndpoint(document.RevocationEndpoint), issuer,
            provider.RequireIssuerParameter || document.IssuerParameterSupported == true);
        return (endpoints, time.GetUtcNow());
    }

    private static Uri? AsEndpoint(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && ProviderDefinitionBuilder.IsAllowedEndpoint(uri) ? uri : null;

    private sealed record DiscoveryDocument(
        [property: JsonPropertyName("issuer")] string? Issuer,
        [property: JsonPropertyName("authorization_endpoint")] string? AuthorizationEndpoint,
        [property: JsonPropertyName("token_endpoint")] string? TokenEndpoint,
        [property: JsonPropertyName("revocation_endpoint")] string? RevocationEndpoint,
        [property: JsonPropertyName("authorization_response_iss_parameter_supported")] bool? IssuerParameterSupported);
}
