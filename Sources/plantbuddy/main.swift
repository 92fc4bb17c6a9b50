import Foundation
import Glibc
import PlantBuddy

// The executable only wires process concerns (arguments, signals, exit codes) to the PlantBuddy module.

// SIGINT and SIGTERM are blocked before any thread exists, so every thread inherits the block and
// the signals wait, pending, for the one thread that calls sigwait: none can be lost or land in a
// thread that does not expect them.
let terminationSignals: sigset_t = {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    return set
}()
withUnsafePointer(to: terminationSignals) { _ = pthread_sigmask(SIG_BLOCK, $0, nil) }

/// Calls `handler` on a dedicated thread when SIGINT or SIGTERM arrives; later signals are ignored.
func onTerminationSignal(_ handler: @escaping @Sendable () -> Void) {
    let signals = terminationSignals
    Thread.detachNewThread {
        var set = signals
        var received: Int32 = 0
        sigwait(&set, &received)
        handler()
        while true { sigwait(&set, &received) }
    }
}

func fail(_ error: any Error) -> Never {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment

switch arguments.first {
case "serve":
    do {
        let app = try App(
            configuration: try Configuration(arguments: Array(arguments.dropFirst()), environment: environment))
        try app.start()
        onTerminationSignal { app.stop() }
        app.waitUntilStopped()
        exit(0)
    } catch {
        fail(error)
    }
case "simulate":
    do {
        let simulator = try Command.simulator(Array(arguments.dropFirst()))
        let stopped = StopFlag()
        onTerminationSignal { stopped.set() }
        simulator.run { stopped.isSet }
        exit(0)
    } catch {
        fail(error)
    }
default:
    exit(
        Command.run(
            arguments, environment: environment, output: { print($0) },
            errors: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }))
}
