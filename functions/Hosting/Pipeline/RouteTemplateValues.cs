using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Credentials.Functions.Hosting.Pipeline;

/// <summary>
/// A function's route values read from the request path with its own route template (host.json's route prefix is
/// empty, so the template is the whole path). It depends on nothing a host may or may not fill in.
/// </summary>
internal static class RouteTemplateValues
{
    private static readonly ConcurrentDictionary<string, TemplateMatcher> Matchers = new(StringComparer.Ordinal);

    /// <summary>The route's values for <paramref name="path"/>, or null when the path does not match the route.</summary>
    public static RouteValueDictionary? Match(string route, PathString path)
    {
        ArgumentNullException.ThrowIfNull(route);
        var matcher = Matchers.GetOrAdd(route, static template => new TemplateMatcher(TemplateParser.Parse(template), new RouteValueDictionary()));
        var values = new RouteValueDictionary();
        return matcher.TryMatch(path, values) ? values : null;
    }
}
