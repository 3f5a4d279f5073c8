using Credentials.Functions.Foundation.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.Api;

/// <summary>Builds RFC 7807 problem+json results carrying a stable <c>code</c> and the request's correlation id.</summary>
internal static class ProblemResults
{
    public const string ContentType = "application/problem+json";

    public static ObjectResult Create(HttpContext http, int status, string code, string title, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var problem = new ProblemDetails
        {
            Type = $"urn:problem:credentials:{code}",
            Title = title,
            Status = status,
            Detail = detail,
            Instance = http.Request.Path.Value,
        };
        problem.Extensions["code"] = code;
        problem.Extensions["correlationId"] = CorrelationId.Establish(http);

        var result = new ObjectResult(problem) { StatusCode = status };
        result.ContentTypes.Add(ContentType);
        return result;
    }

    public static ObjectResult InternalError(HttpContext http) =>
        Create(http, StatusCodes.Status500InternalServerError, ProblemCodes.InternalError,
            "The service failed to handle the request.", "Quote the correlationId when reporting this.");
}
