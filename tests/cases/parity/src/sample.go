package sample

import "os"

func readAll(paths []string) error {
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
	}
	go func() {
		for {
			defer println("x")
		}
	}()
	return nil
}
