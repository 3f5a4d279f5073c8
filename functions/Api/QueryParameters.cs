using System.Globalization;
using Credentials.Functions.Connections;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.Api;

/// <summary>Query parameters read strictly: absent gives the default, anything malformed or out of range a 400 problem.</summary>
internal static class QueryParameters
{
    public const string MetadataPrefix = "metadata.";

    /// <summary>The value of <paramref name="name"/>, or null with <paramref name="problem"/> set to the 400 answer.</summary>
    public static int? WholeNumber(HttpRequest request, string name, int defaultValue, int min, int max, out ObjectResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        problem = null;
        if (!request.Query.TryGetValue(name, out var raw))
        {
            return defaultValue;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problem = ProblemResults.Create(request.HttpContext, StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, $"{name} is out of range.",
            $"{name} must be a whole number from {min} to {max}.");
        return null;
    }

    /// <summary>
    /// The <c>metadata.{key}={value}</c> parameters, each key once: an empty filter when there are none, or null with
    /// <paramref name="problem"/> set to the 400 answer when one is malformed.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? MetadataFilter(HttpRequest request, out ObjectResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        problem = null;
        var filter = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in request.Query)
        {
            if (!name.StartsWith(MetadataPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var key = name[MetadataPrefix.Length..];
            if (!MetadataTags.IsValidKey(key) || values.Count != 1)
            {
                problem = ProblemResults.Create(request.HttpContext, StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "A metadata filter is not valid.",
                    $"Filter with {MetadataPrefix}{{key}}={{value}}, each key once; {MetadataTags.Limits}");
                return null;
            }

            filter[key] = values.ToString();
        }

        return filter;
    }

    /// <summary>
    /// The space-delimited <c>scope</c> parameter: null when absent (<paramref name="problem"/> null too), or when
    /// repeated or malformed (<paramref name="problem"/> set to the 400 <c>invalid_scope</c> answer).
    /// </summary>
    public static ScopeSet? Scopes(HttpRequest request, out ObjectResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        problem = null;
        if (!request.Query.TryGetValue("scope", out var raw))
        {
            return null;
        }

        string? error = "Give scope once, with the scopes separated by spaces.";
        var scopes = raw.Count == 1 ? ScopeSet.Parse(raw.ToString(), out error) : null;
        if (scopes is null)
        {
            problem = ProblemResults.Create(request.HttpContext, StatusCodes.Status400BadRequest, ProblemCodes.InvalidScope, "scope is not valid.", error!);
        }

        return scopes;
    }
}
