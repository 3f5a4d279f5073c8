using Credentials.Functions.Connections;

namespace Credentials.Tests.Connections;

public sealed class ConnectionKeyTests
{
    [Theory]
    [InlineData("auth0|abc", "google-oauth2|1+2=3~x@y.z_-")]
    [InlineData("u", "c")]
    public void Ids_that_follow_the_rule_make_a_key(string userId, string connectionId)
    {
        Assert.True(ConnectionKey.TryCreate(userId, connectionId, out var key));
        Assert.Equal((userId, connectionId), (key.UserId, key.ConnectionId));
    }

    [Theory]
    [InlineData(null, "google")]
    [InlineData("u1", null)]
    [InlineData("", "google")]
    [InlineData("u1/../u2", "google")]
    [InlineData("u1", "goo gle")]
    [InlineData("u1", "..")]
    [InlineData("u1", "%2F")]
    public void Any_id_that_breaks_the_rule_makes_none(string? userId, string? connectionId)
    {
        Assert.False(ConnectionKey.TryCreate(userId, connectionId, out var key));
        Assert.Equal(default, key);
    }

    [Fact]
    public void Keys_with_the_same_ids_are_equal()
    {
        ConnectionKey.TryCreate("u1", "mail", out var a);
        ConnectionKey.TryCreate("u1", "mail", out var b);

        Assert.Equal(a, b);
        Assert.Equal("u1/mail", a.ToString());
    }
}
