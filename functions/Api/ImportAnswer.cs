using Credentials.Functions.Foundation.Resilience;
using Credentials.Functions.Import;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.Api;

/// <summary>An import's answer: 201 imported, 200 already imported, 202 stored with its proof still going on (with <c>Retry-After</c>), or a problem.</summary>
internal static class ImportAnswer
{
    public static IActionResult For(HttpContext http, Result<ImportedGrant, ImportFailure> imported)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!imported.Succeeded)
        {
            return FailureProblems.For(http, imported.Failure);
        }

        if (imported.Value.Pending)
        {
            RetryAfterHeader.Set(http.Response, imported.Value.RetryAfter ?? TimeSpan.FromSeconds(2));
        }

        return new ObjectResult(ConnectionMetadata.From(imported.Value.Record))
        {
            StatusCode = imported.Value.Pending ? StatusCodes.Status202Accepted : imported.Value.Replayed ? StatusCodes.Status200OK : StatusCodes.Status201Created,
        };
    }
}
