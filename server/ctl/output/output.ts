// Where a command writes: stdout and stderr as callbacks, with Go's
// fmt.Println/Fprintln shapes, so commands read like etcdctl's.

export interface Output {
  print(s: string): void;
  println(s: string): void;
  eprint(s: string): void;
  eprintln(s: string): void;
}

export function makeOutput(io: { stdout: (s: string) => void; stderr: (s: string) => void }): Output {
  return {
    print: (s) => io.stdout(s),
    println: (s) => io.stdout(s + "\n"),
    eprint: (s) => io.stderr(s),
    eprintln: (s) => io.stderr(s + "\n"),
  };
}
