using Credentials.Functions.AccessControl;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.AccessControl;

public sealed class ValidatedTokenCacheTests
{
    [Fact]
    public void A_caller_is_kept_no_longer_than_the_signing_key_lifetime_whatever_its_tokens_expiry()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new ValidatedTokenCache(time);
        var caller = new Caller("sc_reader", CallerKind.Service, "https://auth.example.test/", "sc_reader");

        cache.Add("token", caller, tokenExpiresAt: time.GetUtcNow().AddHours(24), maxAge: TimeSpan.FromHours(1));

        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(caller, cache.Find("token"));
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Null(cache.Find("token"));
    }

    [Fact]
    public void A_caller_is_kept_no_longer_than_its_token_lives()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new ValidatedTokenCache(time);
        var caller = new Caller("sc_reader", CallerKind.Service, "https://auth.example.test/", "sc_reader");

        cache.Add("token", caller, tokenExpiresAt: time.GetUtcNow().AddMinutes(5), maxAge: TimeSpan.FromHours(1));

        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.Null(cache.Find("token"));
    }
}
