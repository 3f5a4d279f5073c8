using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Credentials.Functions.Api;

/// <summary>Tells which HTTP methods the app's concrete routes accept for a path, to answer 405 instead of 404.</summary>
public sealed class AllowedMethodsResolver
{
    private readonly IReadOnlyList<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)> _routes;

    public AllowedMethodsResolver(FunctionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _routes = catalog.HttpFunctions
            .Where(f => !IsCatchAll(f.Route))
            .Select(f => (new TemplateMatcher(TemplateParser.Parse(f.Route), new RouteValueDictionary()), f.HttpMethods))
            .ToList();
    }

    /// <summary>The methods accepted at <paramref name="relativePath"/> (no route prefix), empty when no route matches.</summary>
    public IReadOnlyList<string> For(string relativePath)
    {
        var path = new PathString("/" + relativePath.TrimStart('/'));
        return _routes
            .Where(r => r.Matcher.TryMatch(path, new RouteValueDictionary()))
            .SelectMany(r => r.Methods)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static bool IsCatchAll(string route) => route.TrimStart('/').StartsWith("{*", StringComparison.Ordinal);
}
