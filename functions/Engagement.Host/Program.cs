using Engagement.Host.Cli;

return await EngageCommandLine.RunAsync(args);
