using System.Reflection;
using System.Text.Json;
using Credentials.Functions.Api;
using Credentials.Functions.Hosting;
using Credentials.Functions.Hosting.Composition;
using Credentials.Tests.Support;

namespace Credentials.Tests.Api;

/// <summary>docs/openapi.json describes exactly what the functions serve.</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string[] Verbs = ["get", "put", "post", "delete", "patch", "head", "options"];
    private static readonly JsonElement Document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "openapi.json"))).RootElement;

    [Fact]
    public void Every_function_route_and_method_is_documented_and_nothing_else()
    {
        var routes = FunctionCatalog.ForAssembly(typeof(CredentialsServiceCollectionExtensions).Assembly).HttpFunctions
            .Where(function => !function.Route.StartsWith("{*", StringComparison.Ordinal))
            .ToList();
        // The document's server is /api; every route but the catch-all lives under it.
        Assert.All(routes, function => Assert.StartsWith("api/", function.Route, StringComparison.Ordinal));
        var served = routes
            // A catch-all route value ({*path}) is an ordinary path parameter in OpenAPI.
            .SelectMany(function => function.HttpMethods.Select(method => $"{method.ToLowerInvariant()} /{function.Route["api/".Length..].Replace("{*", "{", StringComparison.Ordinal)}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        var documented = Document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(o => Verbs.Contains(o.Name)).Select(o => $"{o.Name} {path.Name}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(served, documented);
    }

    [Fact]
    public void Only_health_and_the_oauth_callback_are_anonymous_and_every_secured_operation_documents_401_and_403()
    {
        Assert.Equal("3.0.3", Document.GetProperty("openapi").GetString());
        Assert.Equal("bearer", Document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        foreach (var (name, operation) in Operations())
        {
            var anonymous = operation.TryGetProperty("security", out var security) && security.GetArrayLength() == 0;
            Assert.True(anonymous == (name is "Health" or "OAuthCallback"), $"{name}: anonymous = {anonymous}");
            if (!anonymous)
            {
                // The token endpoint answers a missing permission as RFC 6749 says: 400 unauthorized_client, not 403.
                var responses = operation.GetProperty("responses");
                Assert.True(responses.TryGetProperty("401", out _) && responses.TryGetProperty(name == "TokenExchange" ? "400" : "403", out _),
                    $"{name} documents 401 and its refusal");
            }
        }
    }

    [Fact]
    public void Every_operation_id_is_a_function_name()
    {
        var functions = FunctionCatalog.ForAssembly(typeof(CredentialsServiceCollectionExtensions).Assembly).HttpFunctions.Select(f => f.Name).ToHashSet();

        // A function serving several methods (the proxy) has one operation per method: its name and the method.
        Assert.All(Operations(), operation => Assert.Contains(functions, function => operation.Name == function
            || (operation.Name.StartsWith(function, StringComparison.Ordinal) && Verbs.Contains(operation.Name[function.Length..].ToLowerInvariant()))));
    }

    [Fact]
    public void Every_problem_code_is_documented()
    {
        var text = Document.GetRawText();
        var codes = typeof(ProblemCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!);

        Assert.All(codes, code => Assert.Contains($"`{code}`", text, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_reference_resolves()
    {
        var references = new List<string>();
        Collect(Document, references);

        Assert.NotEmpty(references);
        Assert.All(references, reference =>
        {
            var node = Document;
            foreach (var segment in reference.TrimStart('#', '/').Split('/'))
            {
                Assert.True(node.TryGetProperty(segment, out node), $"{reference} resolves");
            }
        });
    }

    private static IEnumerable<(string Name, JsonElement Operation)> Operations() =>
        Document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(o => Verbs.Contains(o.Name)))
            .Select(o => (o.Value.GetProperty("operationId").GetString()!, o.Value));

    private static void Collect(JsonElement element, List<string> references)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref")
                    {
                        references.Add(property.Value.GetString()!);
                    }
                    else
                    {
                        Collect(property.Value, references);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, references);
                }

                break;
        }
    }
}
