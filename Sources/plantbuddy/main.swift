import Dispatch
import Foundation
import Glibc
import PlantBuddy

// The executable only wires process concerns (arguments, signals, exit codes) to the PlantBuddy module.
let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment

/// Runs `body` until SIGINT or SIGTERM, which call `onSignal` once.
func untilSignalled(_ onSignal: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler(handler: onSignal)
        source.resume()
        return source
    }
}

switch arguments.first {
case "serve":
    do {
        let app = App(
            configuration: try Configuration(arguments: Array(arguments.dropFirst()), environment: environment))
        try app.start()
        let sources = untilSignalled { app.stop() }
        app.waitUntilStopped()
        withExtendedLifetime(sources) {}
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(2)
    }
case "simulate":
    do {
        let simulator = try Command.simulator(Array(arguments.dropFirst()))
        let stopped = StopFlag()
        let sources = untilSignalled { stopped.set() }
        simulator.run { stopped.isSet }
        withExtendedLifetime(sources) {}
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(2)
    }
default:
    exit(
        Command.run(
            arguments, environment: environment, output: { print($0) },
            errors: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }))
}
