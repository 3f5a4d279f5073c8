using System.Net;
using System.Text;
using Credentials.Functions.AccessControl;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.AccessControl;

/// <summary>The limits that keep what callers' tokens name from growing memory or outbound traffic without bound.</summary>
public sealed class SigningKeyCacheTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly KeySetIssuer _issuer = new();
    private readonly SigningKeyCache _cache;

    public SigningKeyCacheTests()
    {
        _cache = new SigningKeyCache(new StubHttpClientFactory(_issuer), Options.Create(new CallerAuthenticationOptions()), _time,
            NullLogger<SigningKeyCache>.Instance);
    }

    public void Dispose() => _issuer.Dispose();

    [Fact]
    public async Task Beyond_the_limit_a_failed_key_set_is_evicted_before_the_least_recently_used_one()
    {
        await FillAsync(SigningKeyCache.MaxKeySets - 1);
        Assert.Equal(SigningKeyLookup.NotFound, await LookUpAsync("missing"));
        Assert.Equal(SigningKeyCache.MaxKeySets, _cache.KeySetCount);

        Assert.False((await LookUpAsync("one-too-many")).Unavailable);

        Assert.Equal(SigningKeyCache.MaxKeySets, _cache.KeySetCount);
        await LookUpAsync("good-0");
        Assert.Equal(1, _issuer.RequestsFor("good-0"));
        await LookUpAsync("missing");
        Assert.Equal(2, _issuer.RequestsFor("missing"));
    }

    [Fact]
    public async Task Beyond_the_limit_the_least_recently_used_key_set_is_evicted()
    {
        await FillAsync(SigningKeyCache.MaxKeySets);
        await LookUpAsync("good-0");

        await LookUpAsync("one-too-many");

        Assert.Equal(SigningKeyCache.MaxKeySets, _cache.KeySetCount);
        await LookUpAsync("good-0");
        Assert.Equal(1, _issuer.RequestsFor("good-0"));
        await LookUpAsync("good-1");
        Assert.Equal(2, _issuer.RequestsFor("good-1"));
    }

    [Fact]
    public async Task A_key_set_keeps_at_most_MaxKeysPerSet_keys()
    {
        _issuer.KeysPerSet = SigningKeyCache.MaxKeysPerSet + 10;

        var lookup = await LookUpAsync("many-keys");

        Assert.Equal(SigningKeyCache.MaxKeysPerSet, lookup.Keys.Count);
    }

    [Fact]
    public async Task A_document_over_MaxDocumentBytes_is_a_failed_fetch()
    {
        _issuer.Padding = SigningKeyCache.MaxDocumentBytes - 200;
        Assert.Single((await LookUpAsync("just-under")).Keys);

        _issuer.Padding = SigningKeyCache.MaxDocumentBytes;
        Assert.Equal(SigningKeyLookup.KeysUnavailable, await LookUpAsync("over"));
        Assert.Equal(1, _issuer.RequestsFor("over"));
    }

    [Fact]
    public async Task When_a_refetch_is_over_MaxDocumentBytes_the_last_keys_keep_serving()
    {
        Assert.Single((await LookUpAsync("grows")).Keys);
        _issuer.Padding = SigningKeyCache.MaxDocumentBytes;
        _time.Advance(new CallerAuthenticationOptions().SigningKeyLifetime);

        var lookup = await LookUpAsync("grows");

        Assert.Equal(2, _issuer.RequestsFor("grows"));
        Assert.Single(lookup.Keys);
    }

    /// <summary>Key sets good-0 … good-(count-1), each from its own issuer (so no fetch budget runs out), one second apart.</summary>
    private async Task FillAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.Single((await LookUpAsync($"good-{i}")).Keys);
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private Task<SigningKeyLookup> LookUpAsync(string keySet) => _cache.GetKeysAsync(
        new Uri($"https://keys.example.test/{keySet}/jwks"), new Uri($"https://{keySet}.issuers.example.test/"), keyId: null, CancellationToken.None);

    /// <summary>Serves a JWKS per path (404 under <c>/missing</c>) and counts the requests for each.</summary>
    private sealed class KeySetIssuer : HttpMessageHandler
    {
        private readonly Dictionary<string, int> _requests = new(StringComparer.Ordinal);

        public int KeysPerSet { get; set; } = 1;

        /// <summary>Characters of filler in each document, to make it as large as a test needs.</summary>
        public int Padding { get; set; }

        public int RequestsFor(string keySet)
        {
            lock (_requests)
            {
                return _requests.GetValueOrDefault(keySet);
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var keySet = request.RequestUri!.AbsolutePath.Split('/')[1];
            lock (_requests)
            {
                _requests[keySet] = _requests.GetValueOrDefault(keySet) + 1;
            }

            if (keySet == "missing")
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));
            }

            var keys = Enumerable.Range(0, KeysPerSet).Select(i => $$"""{"kty":"RSA","kid":"{{keySet}}-{{i}}","n":"AQAB","e":"AQAB"}""");
            var body = $$"""{"padding":"{{new string('x', Padding)}}","keys":[{{string.Join(',', keys)}}]}""";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }

    private sealed class StubHttpClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
