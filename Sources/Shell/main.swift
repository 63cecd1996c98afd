import Interpreter
import Runtime

// Temporary entry point; the Shell helper replaces it with the ArgumentParser CLI.
print("rslab 0.1.0")
