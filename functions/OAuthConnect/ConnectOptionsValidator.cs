using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.OAuthConnect;

internal sealed class ConnectOptionsValidator(IOptions<ServiceOptions> service) : IValidateOptions<ConnectOptions>
{
    private const string Section = ConnectOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ConnectOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.AllowedReturnUrls.Count; i++)
        {
            if (!ReturnUrlPolicy.IsUsableEntry(options.AllowedReturnUrls[i]))
            {
                failures.Add($"{SettingName.Of(Section, nameof(ConnectOptions.AllowedReturnUrls), i.ToString(System.Globalization.CultureInfo.InvariantCulture))} " +
                    "must be an absolute https URL (http only on a loopback host) without query, fragment or user info.");
            }
        }

        if (options.StateLifetime < TimeSpan.FromMinutes(1) || options.StateLifetime > TimeSpan.FromHours(1))
        {
            failures.Add($"{SettingName.Of(Section, nameof(ConnectOptions.StateLifetime))} must be from 00:01:00 to 01:00:00.");
        }

        // A completion code is a bearer secret in the user's browser: it lives only as long as a person needs to finish.
        if (options.CompletionLifetime < TimeSpan.FromMinutes(1) || options.CompletionLifetime > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{SettingName.Of(Section, nameof(ConnectOptions.CompletionLifetime))} must be from 00:01:00 to 00:10:00.");
        }

        if (!Enum.IsDefined(options.ResponseMode))
        {
            failures.Add($"{SettingName.Of(Section, nameof(ConnectOptions.ResponseMode))} must be Fragment or FormPost.");
        }

        if (options.InsecureDevelopmentCookie && service.Value.PublicBaseUrl is not { Scheme: "http", IsLoopback: true })
        {
            failures.Add($"{SettingName.Of(Section, nameof(ConnectOptions.InsecureDevelopmentCookie))} may be true only while " +
                $"{SettingName.Of(ServiceOptions.SectionName, nameof(ServiceOptions.PublicBaseUrl))} is an http loopback URL (local development).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
