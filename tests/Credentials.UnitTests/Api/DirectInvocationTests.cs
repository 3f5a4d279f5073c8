using Credentials.Functions.Api;
using Credentials.Functions.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Tests.Api;

/// <summary>The same function classes called directly, without any host.</summary>
public sealed class DirectInvocationTests
{
    private static readonly AllowedMethodsResolver Resolver =
        new(FunctionCatalog.ForAssembly(typeof(HealthFunction).Assembly));

    [Fact]
    public void Health_returns_ok_status()
    {
        var http = new DefaultHttpContext();

        var result = Assert.IsType<OkObjectResult>(HealthFunction.Run(http.Request));

        Assert.Equal(new HealthFunction.HealthResponse("ok"), result.Value);
        Assert.Equal("no-store", http.Response.Headers.CacheControl.ToString());
    }

    [Fact]
    public void Fallback_distinguishes_unknown_paths_from_wrong_methods()
    {
        var fallback = new FallbackFunction(Resolver);

        var notFound = Assert.IsType<ObjectResult>(fallback.Run(new DefaultHttpContext().Request, "nothing/here"));
        var wrongMethodContext = new DefaultHttpContext();
        var wrongMethod = Assert.IsType<ObjectResult>(fallback.Run(wrongMethodContext.Request, "api/health"));

        Assert.Equal(404, notFound.StatusCode);
        Assert.Equal(405, wrongMethod.StatusCode);
        Assert.Equal("GET", wrongMethodContext.Response.Headers.Allow.ToString());
        Assert.Equal("application/problem+json", Assert.Single(wrongMethod.ContentTypes));
    }

    [Fact]
    public void Catalog_reads_routes_and_methods_from_the_attributes()
    {
        var catalog = FunctionCatalog.ForAssembly(typeof(HealthFunction).Assembly);

        var health = Assert.Single(catalog.HttpFunctions, f => f.Name == "Health");
        Assert.Equal("api/health", health.Route);
        Assert.Equal(["GET"], health.HttpMethods);
        Assert.Contains(catalog.HttpFunctions, f => f.Name == "Fallback" && f.Route == "{*path}");
    }
}
