using Credentials.Functions.Hosting.Pipeline;
using Microsoft.AspNetCore.Http;

namespace Credentials.Tests.Hosting;

/// <summary>The worker middleware's last source of route values: the request path against the function's own route.</summary>
public sealed class RouteTemplateValuesTests
{
    private const string AccessTokenRoute = "api/users/{userId}/connections/{connectionId}/access-token";

    [Fact]
    public void The_ids_come_from_the_path()
    {
        var values = RouteTemplateValues.Match(AccessTokenRoute, new PathString("/api/users/auth0|abc/connections/google/access-token"));

        Assert.NotNull(values);
        Assert.Equal(("auth0|abc", "google"), (values["userId"], values["connectionId"]));
    }

    [Theory]
    [InlineData("/api/proxy/users/u1/connections/google/calendar/v3/events", "calendar/v3/events")]
    [InlineData("/api/proxy/users/u1/connections/google/", null)]
    public void The_proxys_ids_come_from_the_path_before_its_catch_all(string path, string? rest)
    {
        var values = RouteTemplateValues.Match("api/proxy/users/{userId}/connections/{connectionId}/{*path}", new PathString(path));

        Assert.NotNull(values);
        Assert.Equal(("u1", "google", rest), (values["userId"], values["connectionId"], values.TryGetValue("path", out var value) ? value as string : null));
    }

    [Theory]
    [InlineData("/api/users/u1/connections/google")]
    [InlineData("/api/users/u1/connections/google/access-token/extra")]
    [InlineData("/other/users/u1/connections/google/access-token")]
    public void A_path_of_another_shape_gives_none(string path)
    {
        Assert.Null(RouteTemplateValues.Match(AccessTokenRoute, new PathString(path)));
    }
}
