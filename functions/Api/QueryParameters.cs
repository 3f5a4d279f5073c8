using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.Api;

/// <summary>Whole-number query parameters with a range: absent gives the default, anything else out of range a 400 problem.</summary>
internal static class QueryParameters
{
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
}
