
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>
/// Lowest-precedence route: any path no other function takes, <c>/</c> included (host.json's route prefix is empty and
/// every other route starts with <c>api/</c>, so the host has no path of its own). Answers 405 with <c>Allow</c> when
/// the path exists under other methods, else 404 — both as problem+json instead of the host's empty responses.
/// </summary>
public sealed class FallbackFunction(AllowedMethodsResolver allowedMethods)
{
    [Function("Fallback")]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", "options", Route = "{*path}")]
        HttpRequest request,
        string? path)
    {
        ArgumentNullException.ThrowIfNull(request);
        var allowed = allowedMethods.For(path ?? string.Empty);
        if (allowed.Count == 0)
        {
            var underApi = allowedMethods.For("api/" + (path ?? string.Empty).TrimStart('/')).Count > 0;
            return ProblemResults.Create(request.HttpContext, StatusCodes.Status404NotFound, ProblemCodes.NotFound, "No such resource.", underApi
                ? $"No route is /{path}; did you mean /api/{path?.TrimStart('/')}? Every route of this service starts with /api/."
                : $"No route matches {request.Method} /{path}. Every route of this service starts with /api/ (e.g. GET /api/users/{{userId}}/connections); " +
                  "docs/openapi.json lists them all.");
        }

        request.HttpContext.Response.Headers.Allow = string.Join(", ", allowed);
        return ProblemResults.Create(request.HttpContext, StatusCodes.Status405MethodNotAllowed, ProblemCodes.MethodNotAllowed,
            "The resource does not support this method.", $"Allowed: {string.Join(", ", allowed)}.");
    }
}
