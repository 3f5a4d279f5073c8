using Microsoft.Extensions.Options;

namespace Credentials.Functions.Foundation.Configuration;

/// <summary>Collects a validator's rule failures for one settings section, each naming the setting both ways.</summary>
internal sealed class SettingFailures(string section)
{
    private readonly List<string> _failures = [];

    public void Require(bool valid, string key, string rule)
    {
        if (!valid)
        {
            _failures.Add($"{SettingName.Of(section, key)} {rule}");
        }
    }

    public ValidateOptionsResult ToResult() => _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);
}
