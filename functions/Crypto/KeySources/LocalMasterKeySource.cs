using Microsoft.Extensions.Options;

namespace Credentials.Functions.Crypto.KeySources;

/// <summary>Development key source: keys from configuration. Registered only when <c>Encryption:KeySource</c> is <c>Local</c>.</summary>
internal sealed class LocalMasterKeySource(IOptions<EncryptionOptions> options) : IMasterKeySource
{
    public string Description => "local configuration (development only)";

    public Task<IReadOnlyList<MasterKey>> LoadEnabledKeysAsync(CancellationToken cancellationToken)
    {
        // Ordinal order of version names stands in for creation time: the greatest name is the newest key.
        var keys = options.Value.LocalKeys
            .OrderBy(k => k.Key, StringComparer.Ordinal)
            .Select((entry, index) => new MasterKey(entry.Key, Decode(entry), DateTimeOffset.UnixEpoch.AddSeconds(index)))
            .ToList();
        return Task.FromResult<IReadOnlyList<MasterKey>>(keys);
    }

    private static byte[] Decode(KeyValuePair<string, string> entry) =>
        MasterKey.TryDecodeMaterial(entry.Value, out var material)
            ? material
            : throw new InvalidOperationException($"Encryption:LocalKeys:{entry.Key} is not base64 of {MasterKey.SizeInBytes} bytes.");
}
