using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Credentials.Client;

// <summary>
// Turns what would escape a proxy call as an exception into an answer of the same problem+json form as the service's:
// the service unreachable (503), not answering within <see cref="CredentialsClientOptions.ProxyTimeout"/> (504), or the
// caller token source failing (401). The caller's own cancellation still cancels.
// </summary>
internal sealed class ProxyOutcomeHandler(IOptions<CredentialsClientOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ProxyTimeout);
        try
        {
            return await base.SendAsync(request, timeout.Token);
        }
        catch (CallerTokenException)
        {
            return Problem(request, HttpStatusCode.Unauthorized, ClientProblemCodes.CallerTokenFailed, "The caller token source threw; nothing was sent.", retry: false);
        }
        catch (HttpRequestException)
        {
            return Problem(request, HttpStatusCode.ServiceUnavailable, ClientProblemCodes.ServiceUnreachable, "The Credentials service could not be reached.", retry: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Problem(request, HttpStatusCode.GatewayTimeout, ClientProblemCodes.ServiceTimeout, "The Credentials service did not answer in time.", retry: true);
        }
    }

    private HttpResponseMessage Problem(HttpRequestMessage request, HttpStatusCode status, string code, string detail, bool retry)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["type"] = "about:blank",
            ["title"] = status.ToString(),
            ["status"] = (int)status,
            ["code"] = code,
            ["detail"] = detail + " (answered by the Credentials client, not the service)",
        });
        var response = new HttpResponseMessage(status) { RequestMessage = request, Content = new StringContent(body) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/problem+json");
        if (retry)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(options.Value.UnavailableRetryAfter);
        }

        return response;
    }
}

// <summary>The caller token source threw: a proxy call answers <c>caller_token_failed</c> instead.</summary>
internal sealed class CallerTokenException(Exception inner) : Exception("The caller token source threw.", inner);
