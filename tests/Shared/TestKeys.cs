using System.Security.Cryptography;
using Credentials.Functions.Crypto;
using Credentials.Functions.Crypto.KeySources;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Support;

internal static class TestKeys
{
    public static string NewBase64Key() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(MasterKey.SizeInBytes));

    public static MasterKey NewKey(string version) => new(version, RandomNumberGenerator.GetBytes(MasterKey.SizeInBytes), DateTimeOffset.UnixEpoch);

    /// <summary>Options for the Local source with the given versions (the greatest name encrypts).</summary>
    public static EncryptionOptions LocalOptions(params string[] versions)
    {
        var options = new EncryptionOptions { KeySource = MasterKeySourceKind.Local };
        foreach (var version in versions)
        {
            options.LocalKeys[version] = NewBase64Key();
        }

        return options;
    }

    /// <summary>A ring over the real Local source; it reads the options on every load, so tests can add versions later.</summary>
    public static MasterKeyRing LocalRing(EncryptionOptions options, TimeProvider? time = null) =>
        new(new LocalMasterKeySource(Options.Create(options)), Options.Create(options), time ?? TimeProvider.System, NullLogger<MasterKeyRing>.Instance);
}
