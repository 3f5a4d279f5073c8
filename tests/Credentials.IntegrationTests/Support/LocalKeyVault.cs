using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Credentials.Tests.Support;

/// <summary>
/// A Key Vault secrets endpoint on 127.0.0.1 over HTTPS with a throwaway certificate: the bearer challenge, secret
/// versions with enabled/created attributes, Key Vault's error shape. Counts requests; can throttle (429) or go down.
/// </summary>
internal sealed class LocalKeyVault : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, List<SecretVersion>> _secrets = new(StringComparer.OrdinalIgnoreCase);
    private readonly X509Certificate2 _certificate;
    private WebApplication? _app;
    private int _requests;
    private DateTimeOffset _clock = DateTimeOffset.UtcNow.AddDays(-30);

    private LocalKeyVault(X509Certificate2 certificate) => _certificate = certificate;

    public Uri VaultUri { get; private set; } = null!;

    /// <summary>Authenticated requests answered with a secret or a list (the unauthenticated challenge is not counted).</summary>
    public int SecretRequests => Volatile.Read(ref _requests);

    public bool Throttle { get; set; }

    public static async Task<LocalKeyVault> StartAsync()
    {
        var vault = new LocalKeyVault(CreateCertificate());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(vault._certificate)));
        var app = builder.Build();
        app.Run(vault.HandleAsync);
        await app.StartAsync();
        vault._app = app;
        vault.VaultUri = new Uri(app.Urls.Single() + "/");
        return vault;
    }

    /// <summary>Adds a version (newest last) and returns its id; the value is base64 of <paramref name="material"/>.</summary>
    public string AddVersion(string secretName, byte[] material, bool enabled = true) => AddRawVersion(secretName, Convert.ToBase64String(material), enabled);

    public string AddRawVersion(string secretName, string value, bool enabled = true)
    {
        var version = Guid.NewGuid().ToString("N");
        _clock = _clock.AddMinutes(1);
        var versions = _secrets.GetOrAdd(secretName, _ => []);
        lock (versions)
        {
            versions.Add(new SecretVersion(version, value, enabled, _clock));
        }

        return version;
    }

    /// <summary>Sets the version's expiry date (<c>attributes.exp</c>), as an administrator enforcing rotation would.</summary>
    public void SetExpiry(string secretName, string version, DateTimeOffset expiresOn)
    {
        var versions = _secrets[secretName];
        lock (versions)
        {
            var index = versions.FindIndex(v => v.Version == version);
            versions[index] = versions[index] with { Expires = expiresOn };
        }
    }

    public void SetEnabled(string secretName, string version, bool enabled)
    {
        var versions = _secrets[secretName];
        lock (versions)
        {
            var index = versions.FindIndex(v => v.Version == version);
            versions[index] = versions[index] with { Enabled = enabled };
        }
    }

    public SecretClient CreateClient(int maxRetries = 0)
    {
        var thumbprint = _certificate.Thumbprint;
#pragma warning disable CA2000 // The transport owns the handler for the client's lifetime.
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == thumbprint };
#pragma warning restore CA2000
        var options = new SecretClientOptions
        {
            Transport = new HttpClientTransport(handler),
            DisableChallengeResourceVerification = true,
            Retry = { MaxRetries = maxRetries, Delay = TimeSpan.FromMilliseconds(10), NetworkTimeout = TimeSpan.FromSeconds(5) },
        };
        return new SecretClient(VaultUri, new FixedTokenCredential(), options);
    }

    /// <summary>Stops answering at all: connections are refused, as in an outage.</summary>
    public async Task GoDownAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await GoDownAsync();
        _certificate.Dispose();
    }

    private async Task HandleAsync(HttpContext http)
    {
        if (!http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal))
        {
            http.Response.StatusCode = 401;
            http.Response.Headers.WWWAuthenticate =
                "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000\", resource=\"https://vault.azure.net\"";
            return;
        }

        Interlocked.Increment(ref _requests);
        if (Throttle)
        {
            http.Response.Headers.RetryAfter = "1";
            await WriteAsync(http, 429, Error("Throttled", "Too many requests."));
            return;
        }

        var segments = http.Request.Path.Value!.Trim('/').Split('/');
        if (segments is not ["secrets", var name, ..] || !_secrets.TryGetValue(name, out var versions))
        {
            await WriteAsync(http, 404, Error("SecretNotFound", "A secret with that name was not found."));
            return;
        }

        SecretVersion[] snapshot;
        lock (versions)
        {
            snapshot = [.. versions];
        }

        var origin = $"{VaultUri.GetLeftPart(UriPartial.Authority)}/secrets/{name}";
        switch (segments)
        {
            case [_, _, "versions"]:
                await WriteAsync(http, 200, new { value = snapshot.Select(v => new { id = $"{origin}/{v.Version}", attributes = Attributes(v) }), nextLink = (string?)null });
                return;
            case [_, _, var version] when snapshot.FirstOrDefault(v => v.Version == version) is { } found:
                if (!found.Enabled)
                {
                    await WriteAsync(http, 403, Error("Forbidden", "Operation get is not allowed on a disabled secret."));
                    return;
                }

                await WriteAsync(http, 200, new { value = found.Value, id = $"{origin}/{found.Version}", attributes = Attributes(found) });
                return;
            default:
                await WriteAsync(http, 404, Error("SecretNotFound", "A secret with that version was not found."));
                return;
        }
    }

    private static object Attributes(SecretVersion v) => v.Expires is { } expires
        ? new { enabled = v.Enabled, created = v.Created.ToUnixTimeSeconds(), updated = v.Created.ToUnixTimeSeconds(), exp = (long?)expires.ToUnixTimeSeconds(), recoveryLevel = "Recoverable+Purgeable" }
        : new { enabled = v.Enabled, created = v.Created.ToUnixTimeSeconds(), updated = v.Created.ToUnixTimeSeconds(), exp = (long?)null, recoveryLevel = "Recoverable+Purgeable" };

    private static object Error(string code, string message) => new { error = new { code, message } };

    private static async Task WriteAsync(HttpContext http, int status, object body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }

    private sealed record SecretVersion(string Version, string Value, bool Enabled, DateTimeOffset Created)
    {
        public DateTimeOffset? Expires { get; init; }
    }

    private sealed class FixedTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("local-key-vault-test-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
