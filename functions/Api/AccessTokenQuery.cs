using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.Api;

/// <summary>The access-token route's query: <c>minValiditySeconds</c>, <c>renew</c> and <c>scope</c>, each read strictly.</summary>
internal sealed record AccessTokenQuery(TimeSpan MinValidity, bool Renew, ScopeSet? Scopes)
{
    /// <summary>The query, or null with <paramref name="problem"/> set to the 400 answer.</summary>
    public static AccessTokenQuery? Read(HttpRequest request, TimeSpan defaultMinValidity, out ObjectResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (QueryParameters.WholeNumber(request, "minValiditySeconds", (int)defaultMinValidity.TotalSeconds, 0,
            (int)AccessTokenRequest.MaxMinValidity.TotalSeconds, out problem) is not { } seconds)
        {
            return null;
        }

        var scopes = QueryParameters.Scopes(request, out problem);
        return problem is null ? new AccessTokenQuery(TimeSpan.FromSeconds(seconds), request.Query["renew"] == "true", scopes) : null;
    }
}
