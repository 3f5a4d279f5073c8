using Credentials.Functions.Connections;
using Credentials.Functions.Providers;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Proxy;

/// <summary>The checks a proxied call passes before it is audited as attempted and anything is sent, in order.</summary>
public sealed partial class ProviderApiProxy
{
    /// <summary>
    /// The configured name of the API a request to <paramref name="connection"/> goes to (its <c>X-Credentials-Api</c>
    /// resolved as <see cref="ForwardAsync"/> does), or null when there is none; admission asks Authress on its resource.
    /// </summary>
    public async Task<string?> ApiNameAsync(HttpRequest request, ConnectionKey connection)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = await store.GetRecentAsync(connection, request.HttpContext.RequestAborted);
        return record is null ? null : ProviderApi.Select(providers.Find(record.ProviderId)?.Apis ?? [], request.Headers[ProxyHeaders.ApiHeader].ToString())?.Name;
    }

    /// <param name="raw">The caller's path and query after the connection, as sent; null when it reached back into the route.</param>
    /// <returns>Why the call is refused, or the API and URL it goes to; and the call as audited (its API and path once known).</returns>
    private (ProxyFailure? Failure, Call Call, ProviderApi? Api, Uri? Target) Check(
        string method, (string Path, string Query)? raw, ConnectionRecord? record, ProviderDefinition? provider, Call call, string? authorizedApi)
    {
        if (raw is null)
        {
            // Kestrel removed dot segments that reached back into the route: what is left names something else.
            return (new ProxyFailure(ProxyFailureReason.InvalidPath, "The path reaches back into the proxy route (dot segments), or its ids are percent-encoded."), call, null, null);
        }

        if (record is null)
        {
            return (new ProxyFailure(ProxyFailureReason.TokenUnavailable, "No such connection.", new AccessTokenFailure(TokenFailureReason.NotFound)), call, null, null);
        }

        if (ProviderApi.Select(provider?.Apis ?? [], call.Api) is not { } api)
        {
            return (new ProxyFailure(ProxyFailureReason.UnknownApi, UnknownApiDetail(provider, call.Api)), call, null, null);
        }

        if (authorizedApi is not null && !string.Equals(api.Name, authorizedApi, StringComparison.Ordinal))
        {
            // The connection changed between admission and now (another provider, other APIs): the grant was for another API.
            return (new ProxyFailure(ProxyFailureReason.UnknownApi, $"The connection changed while the call was admitted for API '{authorizedApi}'; retry."), call, null, null);
        }

        if (api.BaseUrl is null && record.InstanceUrl is null)
        {
            return (new ProxyFailure(ProxyFailureReason.UnknownApi,
                "The provider named no instance URL for this connection (or one outside its allowed hosts); connecting again records it."), call, null, null);
        }

        var (path, query) = raw.Value;
        call = call with { Api = api.Name, Path = Shorten("/" + path) };
        if ((api.BaseUrl ?? AllowedInstanceUrl(record, provider!)) is not { } baseUrl)
        {
            return (new ProxyFailure(ProxyFailureReason.InstanceUrlRefused,
                "The connection's stored instance URL is not on the provider's allowed hosts (settings changed, or the record was altered); connecting again records a new one."),
                call, null, null);
        }

        if (ProxyHeaders.HasMethodOverride(query.TrimStart('?')))
        {
            return (new ProxyFailure(ProxyFailureReason.MethodOverride,
                $"The query names '{ProxyHeaders.MethodOverrideParameter}': the method the provider executes must be the one sent (and audited)."), call, null, null);
        }

        if (ProxyTarget.Resolve(baseUrl, path, query, out var refusal) is not { } target)
        {
            return (new ProxyFailure(ProxyFailureReason.InvalidPath, refusal!), call, null, null);
        }

        if (provider!.ApiPathPolicy.Refusal(method, path) is { } rule)
        {
            return (new ProxyFailure(ProxyFailureReason.PathDenied,
                $"The provider's path policy never proxies this path ('{rule}'): its OAuth, session and credential endpoints could take the grant."), call, null, null);
        }

        return (null, call, api with { BaseUrl = baseUrl }, target);
    }

    /// <summary>
    /// The stored instance URL, checked again on every use against the provider's allowed hosts as they are now: the
    /// check when it was stored does not cover settings changed since, or a row altered in the table.
    /// </summary>
    private Uri? AllowedInstanceUrl(ConnectionRecord record, ProviderDefinition provider)
    {
        if (ProviderApi.InstanceUrl(record.InstanceUrl!.AbsoluteUri, provider.InstanceUrlHosts) is { } allowed)
        {
            return allowed;
        }

        LogInstanceUrlRefused(logger, provider.Id, record.ConnectionId);
        return null;
    }

    private static string UnknownApiDetail(ProviderDefinition? provider, string requested) =>
        provider is null || provider.Apis.Count == 0
            ? "The connection's provider has no API configured for the proxy (Providers:<id>:ApiBaseUrls)."
            : $"Name one of the provider's APIs in {ProxyHeaders.ApiHeader} ({string.Join(", ", provider.Apis.Select(a => a.Name))}), or a position from 0; '{Shorten(requested, 64)}' is none of them.";

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "The stored instance URL of {ProviderId} connection {ConnectionId} is not on the provider's allowed hosts; the proxy refused it")]
    private static partial void LogInstanceUrlRefused(ILogger logger, string providerId, string connectionId);
}
