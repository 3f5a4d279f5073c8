using System.Collections.Concurrent;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace Credentials.AuthressLocal;

/// <summary>One access key of a service client: its id (the <c>kid</c> of its tokens), public key and, when the endpoint made it, private key.</summary>
public sealed record ServiceClientKey(string KeyId, PublicKey PublicKey, Key? PrivateKey);

/// <summary>
/// The account's service clients and their access keys, as Authress holds them: a client's tokens are signed with one of
/// its own keys (named by <c>kid</c>), and only its public keys are served, at its own JWKS address.
/// </summary>
public sealed class ServiceClients : IDisposable
{
    private static readonly byte[] Pkcs8Ed25519Prefix = Convert.FromHexString("302e020100300506032b657004220420");
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, ServiceClientKey>> _clients = new(StringComparer.Ordinal);

    /// <summary>Adds an access key to a client (creating the client), as <c>POST /v1/clients/{clientId}/access-keys</c> does.</summary>
    public void Add(string clientId, ServiceClientKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _clients.GetOrAdd(clientId, _ => new ConcurrentDictionary<string, ServiceClientKey>(StringComparer.Ordinal))[key.KeyId] = key;
    }

    /// <summary>Parses an access key <c>clientId.keyId.accountId.privateKey</c>; only the public half is kept.</summary>
    public static (string ClientId, string AccountId, ServiceClientKey Key) FromAccessKey(string accessKey)
    {
        if (accessKey.Split('.') is not [var clientId, var keyId, var accountId, var privateKey])
        {
            throw new ArgumentException("An access key has four dot-separated parts: clientId.keyId.accountId.privateKey.", nameof(accessKey));
        }

        var der = Convert.FromBase64String(privateKey);
        try
        {
            using var key = Key.Import(SignatureAlgorithm.Ed25519, der.AsSpan(Pkcs8Ed25519Prefix.Length), KeyBlobFormat.RawPrivateKey);
            return (clientId, accountId, new ServiceClientKey(keyId, key.PublicKey, null));
        }
        finally
        {
            Array.Clear(der);
        }
    }

    /// <summary>A new access key for a client, in the format Authress hands out once (only its public key is kept here).</summary>
    public string CreateAccessKey(string clientId, string accountId)
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var keyId = NewKeyId();
        Add(clientId, new ServiceClientKey(keyId, key.PublicKey, null));
        var seed = key.Export(KeyBlobFormat.RawPrivateKey);
        return $"{clientId}.{keyId}.{accountId}.{Convert.ToBase64String([.. Pkcs8Ed25519Prefix, .. seed])}";
    }

    /// <summary>A key the endpoint may sign this client's tokens with; a client it has never seen is created with one.</summary>
    public ServiceClientKey SigningKey(string clientId)
    {
        var keys = _clients.GetOrAdd(clientId, _ => new ConcurrentDictionary<string, ServiceClientKey>(StringComparer.Ordinal));
        lock (keys)
        {
            if (keys.Values.FirstOrDefault(k => k.PrivateKey is not null) is { } existing)
            {
                return existing;
            }

            var key = Key.Create(SignatureAlgorithm.Ed25519);
            var created = new ServiceClientKey(NewKeyId(), key.PublicKey, key);
            keys[created.KeyId] = created;
            return created;
        }
    }

    /// <summary>The client's keys, or null when there is no such client.</summary>
    public IReadOnlyCollection<ServiceClientKey>? KeysOf(string clientId) =>
        _clients.TryGetValue(clientId, out var keys) ? keys.Values.ToList() : null;

    /// <summary>Deletes a client: its key address answers 404 and its tokens are refused.</summary>
    public bool Remove(string clientId)
    {
        if (!_clients.TryRemove(clientId, out var keys))
        {
            return false;
        }

        foreach (var key in keys.Values)
        {
            key.PrivateKey?.Dispose();
        }

        return true;
    }

    public IEnumerable<string> Ids => _clients.Keys;

    public void Dispose()
    {
        foreach (var id in _clients.Keys.ToList())
        {
            Remove(id);
        }
    }

    private static string NewKeyId() => "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
}
