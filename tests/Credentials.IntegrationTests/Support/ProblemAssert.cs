using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Credentials.Tests.Support;

internal static class ProblemAssert
{
    /// <summary>The response is RFC 7807 problem+json with <paramref name="status"/> and the stable <paramref name="code"/>.</summary>
    public static async Task IsAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
    }
}
