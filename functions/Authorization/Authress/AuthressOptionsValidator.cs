using Credentials.Functions.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Authorization.Authress;

internal sealed class AuthressOptionsValidator : IValidateOptions<AuthressOptions>
{
    private const string Section = AuthressOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, AuthressOptions options)
    {
        var failures = new List<string>();
        if (options.ApiBaseUrl is not { IsAbsoluteUri: true } uri || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
        {
            failures.Add($"{SettingName.Of(Section, nameof(AuthressOptions.ApiBaseUrl))} is required: the Authress account's https API host or custom domain.");
        }

        if (!AuthressAccessKey.TryParse(options.AccessKey, out var key))
        {
            failures.Add($"{SettingName.Of(Section, nameof(AuthressOptions.AccessKey))} is required: the service client's access key (clientId.keyId.accountId.privateKey).");
        }

        key?.Dispose();
        if (options.RequestTimeout <= TimeSpan.Zero || options.MaxRetries is < 0 or > 5)
        {
            failures.Add($"{SettingName.Of(Section, nameof(AuthressOptions.RequestTimeout))} must be positive and {SettingName.Of(Section, nameof(AuthressOptions.MaxRetries))} 0-5.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
