using Credentials.DevHost;

var app = DevHostApplication.Build(DevHostSettings.FromCommandLine(args));
await app.RunAsync();
