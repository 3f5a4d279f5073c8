using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>
/// RFC 8693 token exchange at <c>POST /api/oauth/token</c>, so that any OAuth client library can get a user's provider
/// access token. It authenticates and authorizes the caller itself (the credentials may be in the form), and answers
/// RFC 6749 JSON errors instead of problem+json.
/// </summary>
public sealed class TokenExchangeFunction(TokenExchangeHandler handler)
{
    [Function("TokenExchange")]
    public Task<IActionResult> Exchange([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/oauth/token")] HttpRequest request) =>
        handler.HandleAsync(request);
}
